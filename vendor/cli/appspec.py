"""`vend appspec ...`: check a revision's CodeDeploy appspec before it is bundled."""
from __future__ import annotations

from pathlib import Path

import click

from vendor.cli.errors import user_errors
from vendor.deploy.appspec import load_revision_appspec


@click.group()
def appspec() -> None:
    """CodeDeploy appspec files (EC2/on-premises, Linux hosts).

    \b
    Example:
      vend appspec check ./my-app
    """


@appspec.command("check")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@user_errors
def check(directory: Path) -> None:
    """Validate the appspec.yml at the root of the revision directory DIR.

    Checks the appspec rules of CodeDeploy for Linux hosts and that every file source and
    hook script it names exists in DIR. What CodeDeploy's agent ignores (a key of another
    tool) is accepted and listed as "ignored:"; what would fail the deployment, or silently not
    happen as written (a misspelt key, a key at the wrong level), is refused. Problems are printed one per line on stderr as
    FILE:LINE path: what is wrong (how to fix), and the exit code is 2.

    \b
    Example:
      vend appspec check ./my-app
      OK ./my-app: 1 files mappings, hooks: BeforeInstall, ApplicationStart
    """
    spec = load_revision_appspec(directory)
    hooks = ", ".join(spec.hooks) or "none"
    click.echo(f"OK {directory}: {len(spec.files)} files mappings, hooks: {hooks}")
    for warning in spec.warnings:  # accepted: CodeDeploy ignores it too
        click.echo(f"  ignored: {warning}")
