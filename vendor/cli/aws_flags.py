"""`--profile` and `--region` for the commands that reach AWS through `vendor.aws.clients`
(bake, images, deploy, rollback, push, pipeline status, approvals). The stack commands have
their own (`vendor.cli.stack.aws_options`)."""
from __future__ import annotations

import functools
import os

import click
from botocore.exceptions import ProfileNotFound

from vendor.aws import clients
from vendor.aws.endpoint import DUMMY_CREDENTIALS

SANDBOX_ENV = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def choose(profile: str | None, region: str | None) -> None:
    try:
        clients.choose(profile=profile, region=region)
    except ProfileNotFound:
        raise click.BadParameter(f"profile '{profile}' is not in your AWS config or credentials file "
                                 "(aws configure --profile NAME adds it)", param_hint="--profile") from None
    if profile and os.environ.get("AWS_ACCESS_KEY_ID") == DUMMY_CREDENTIALS[0]:
        for key in SANDBOX_ENV:  # a real profile was asked for: not the running sandbox's emulator
            os.environ.pop(key, None)


def aws_flags(func):
    """Add --profile and --region to a click command (place it right above the function)."""

    @functools.wraps(func)
    def wrapper(*args, profile: str | None = None, region: str | None = None, **kwargs):
        choose(profile, region)
        click.get_current_context().call_on_close(clients.choose)  # after subcommands too; then the defaults
        return func(*args, **kwargs)

    wrapper = click.option("--region", help="AWS region; default: the config's region.")(wrapper)
    return click.option("--profile", help="AWS profile of the standard credential chain.")(wrapper)
