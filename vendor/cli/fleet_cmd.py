"""`vend plan` / `vend status` with many configs: which configs, one fleet report."""
from __future__ import annotations

import contextlib
import gc
import glob
import os
import sys
from collections.abc import Iterator, Sequence

import click

from vendor.aws import fleet_run
from vendor.aws.calls import CallCounter
from vendor.aws.endpoint import resolve_target
from vendor.plan import fleet_report

GLOB = set("*?[")
SUFFIXES = (".yaml", ".yml")
GC_THRESHOLD = 10_000  # objects allocated between young collections during a run (Python's default: 700)


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


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """A run of many environments allocates millions of objects and keeps few: Python's cyclic
    collector, at its defaults, walked the whole heap (AWS's models, the run's listings) again and
    again (~3.5 s of a 500-environment run's ~30 s of CPU; ~1 s like this). What is loaded before the
    run is frozen out of the collector's walks; young collections come after 10,000 allocations
    instead of 700. Both are undone afterwards."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def report(verb: str, args, profile, region, shared_certificate, output, jobs, start_emulator) -> None:
    paths = expand(args)
    target = resolve_target(profile, start_emulator)
    counter = CallCounter()
    with fewer_collections():
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
