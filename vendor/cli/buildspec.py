"""`vend buildspec ...`: check a revision's CodeBuild buildspec before it is pushed."""
from __future__ import annotations

from pathlib import Path

import click

from vendor.cli.errors import user_errors
from vendor.pipeline.buildspec import load_buildspec
from vendor.pipeline.buildspec_check import local_differences, summary


@click.group()
def buildspec() -> None:
    """CodeBuild buildspec files (Linux images), as the pipeline's Build stage runs them.

    \b
    Example:
      vend buildspec check ./my-app
    """


@buildspec.command("check")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@user_errors
def check(directory: Path) -> None:
    """Check the buildspec.yml at the root of DIR (or the buildspec file DIR names).

    Problems CodeBuild would refuse are printed one per line on stderr as FILE:LINE path: what
    is wrong (how to fix), and the exit code is 2. A valid file prints OK and a summary, then
    one line per thing the local build runs differently from CodeBuild (features not applied
    locally, keys CodeBuild ignores, artifact paths treated differently).

    \b
    Example:
      vend buildspec check ./my-app
      OK ./my-app/buildspec.yml: version 0.2, shell /bin/sh, phases: pre_build, build; artifact: **/*
    """
    path = directory if directory.is_file() else directory / "buildspec.yml"
    spec = load_buildspec(path)
    click.echo(f"OK {path}: {summary(spec)}")
    for line in local_differences(spec):
        click.echo(f"  {line}")
