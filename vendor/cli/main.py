"""The `vend` command: one click group, one module per noun, each imported when its command runs
(`vend plan` does not load what `vend bake` or the sandbox need)."""
from __future__ import annotations

import importlib
import os

import click

from vendor.cli.world import use_running_sandbox

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
MODULES = {  # command -> the module of vendor.cli that defines it
    "validate": "config_cmds", "render": "config_cmds", "schema": "config_cmds", "config": "config_vars",
    "logs": "logs", "plan": "stack", "apply": "stack", "status": "stack", "destroy": "stack", "bake": "bake",
    "images": "bake", "deploy": "deploy", "releases": "deploy", "rollback": "deploy", "doctor": "doctor",
    "pipeline": "pipeline", "push": "pipeline", "up": "up", "down": "up", "appspec": "appspec",
    "buildspec": "buildspec", "approvals": "approvals", "sandbox": "sandbox", "release": "release",
    "release-stage": "release_stage",
}


def command_in(module_name: str, name: str) -> click.Command:
    """The command `name` that vendor.cli.`module_name` defines."""
    module = importlib.import_module(f"vendor.cli.{module_name}")
    for value in vars(module).values():
        if isinstance(value, click.Command) and value.name == name:
            return value
    raise LookupError(f"vendor.cli.{module_name} defines no command {name!r}")


class Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return command_in(MODULES[name], name) if name in MODULES else None


@click.group(cls=Commands, context_settings=CONTEXT)
@click.version_option(package_name="vend")
def cli() -> None:
    """AMI vending machine: onboard a customer environment from one YAML config.

    \b
    Example:
      vend validate configs/acme-production.yaml
      vend render configs/acme-production.yaml
      sudo vend up configs/acme-production.yaml
    """
    use_running_sandbox(os.environ)
