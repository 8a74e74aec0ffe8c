"""`vend plan` / `vend status` with many configs: which configs, one fleet report."""
from __future__ import annotations

import glob
import os
import sys
from collections.abc import Sequence

import click

from vendor.aws import fleet_run
from vendor.aws.calls import CallCounter
from vendor.aws.endpoint import resolve_target
from vendor.plan import fleet_report

GLOB = set("*?[")
SUFFIXES = (".yaml", ".yml")


def is_fleet(args: Sequence[str]) -> bool:
    """More than one config, a directory or a glob; one file path keeps the one-environment output."""
    return len(args) != 1 or os.path.isdir(args[0]) or bool(GLOB & set(args[0]))


def expand(args: Sequence[str]) -> list[str]:
    """The config files named: paths as given, a directory's *.yaml/*.yml, a glob's matches (sorted)."""
    out: list[str] = []
    for arg in args:
        if os.path.isdir(arg):
            found = sorted(os.path.join(arg, f) for f in os.listdir(arg)
                           if f.endswith(SUFFIXES) and os.path.isfile(os.path.join(arg, f)))
            what = f"directory {arg} holds no .yaml configs"
        elif GLOB & set(arg):
            found = sorted(p for p in glob.glob(arg) if os.path.isfile(p))
            what = f"no file matches {arg}"
        else:
            found, what = [arg], ""
        if not found:
            raise click.UsageError(f"{what}; give config files, a directory of them, or a glob ('configs/*.yaml')")
        out += [p for p in found if p not in out]
    return out


def report(verb: str, args, profile, region, shared_certificate, output, jobs, start_emulator) -> None:
    paths = expand(args)
    target = resolve_target(profile, start_emulator)
    counter = CallCounter()
    planned = fleet_run.plan_fleet(paths, target, jobs=jobs, region=region, shared_certificate=shared_certificate,
                                   counter=counter)
    rows = [fleet_report.row(p.config, p.environment, p.region, p.steps, p.error) for p in planned]
    if output == "json":
        click.echo(fleet_report.as_json(rows), nl=False)
    else:
        click.echo(fleet_report.text(rows, title=f"{verb} {len(rows)} environments ({target.label}):"), nl=False)
        click.echo(f"AWS API calls: {counter.total} ({sum(counter.answered.values())} reads answered from the "
                   f"run's shared reads), {jobs} environments at a time")
    if any(r.state == "error" for r in rows):
        sys.exit(1)
