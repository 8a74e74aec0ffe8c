"""The `vend` command: one click group, one module per noun."""
from __future__ import annotations

import os

import click

from vendor.cli import bake as bake_cmds
from vendor.cli import config_cmds, config_vars, deploy, doctor, logs, pipeline, up
from vendor.cli import stack as stack_cmds
from vendor.cli.sandbox import sandbox
from vendor.cli.approvals import approvals
from vendor.cli.appspec import appspec
from vendor.cli.buildspec import buildspec
from vendor.cli.release import release
from vendor.cli.release_stage import release_stage
from vendor.cli.world import use_running_sandbox

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
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


for command in [*config_cmds.COMMANDS, *config_vars.COMMANDS, *logs.COMMANDS,
                *stack_cmds.COMMANDS, *bake_cmds.COMMANDS, *deploy.COMMANDS, *doctor.COMMANDS,
                *pipeline.COMMANDS, *up.COMMANDS, appspec, buildspec, approvals, sandbox, release, release_stage]:
    cli.add_command(command)
