"""Commands on customer configs: validate, render, schema."""
from __future__ import annotations

from pathlib import Path

import click

from vendor.cli.errors import user_errors
from vendor.config import reference
from vendor.config.loader import load_configs
from vendor.config.schema import json_schema_text
from vendor.paths import DEFAULT_BUILD_DIR
from vendor.render.build_dir import build_dir, render_all
from vendor.render.outputs import write

CONFIGS = click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False))


@click.command()
@CONFIGS
@user_errors
def validate(configs: tuple[str, ...]) -> None:
    """Check customer configs; report every problem as FILE:LINE path: what (fix).

    Exit code 0 when all are valid, 2 when any has a problem.

    \b
    Example:
      vend validate configs/acme-production.yaml configs/acme-staging.yaml
    """
    for cf in load_configs(list(configs)):
        click.echo(f"OK {cf.path}: {cf.config.customer}/{cf.config.environment} in {cf.config.region}")


@click.command()
@CONFIGS
@click.option("--out", "out", default=str(DEFAULT_BUILD_DIR), show_default=True, type=click.Path(file_okay=False),
              help="Directory under which <customer>-<environment>/ is written.")
@user_errors
def render(configs: tuple[str, ...], out: str) -> None:
    """Write the Packer template, plugins and var files, and the starter revision.

    For each config, build/<customer>-<environment>/ gets packer-<customer>-<environment>.pkr.hcl,
    plugins.pkr.hcl, <customer>-<environment>.pkrvars.hcl, the provisioning scripts and files,
    and app/ (appspec.yml, hook scripts, buildspec.yml, sample app). The same config always
    renders the same bytes.

    \b
    Example:
      vend render configs/acme-production.yaml --out build
    """
    for cf in load_configs(list(configs)):
        target = build_dir(Path(out), cf)
        written = write(render_all(cf), target)
        click.echo(f"rendered {cf.path} -> {target}/ ({len(written)} files)")


@click.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--markdown", is_flag=True, help="The config reference table (as in the README) instead.")
def schema(out: str | None, markdown: bool) -> None:
    """Print the JSON Schema of customer configs (for editor completion).

    \b
    Example:
      vend schema --out vend-config.schema.json
      # then, first line of a config:  # yaml-language-server: $schema=vend-config.schema.json
    """
    text = reference.markdown() if markdown else json_schema_text()
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


COMMANDS = [validate, render, schema]
