"""`vend release`: the infrastructure pipeline for one committed config, from a terminal."""
from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path

import click

from vendor.approvals.gate import Gate
from vendor.approvals.keys import KeyProblem
from vendor.approvals.settings import SettingsProblem as ApprovalSettingsProblem
from vendor.aws.calls import CallCounter
from vendor.aws.endpoint import resolve_target
from vendor.aws.stack_ops import context
from vendor.bake.baker import Baker
from vendor.bake.runner import Console, Packer
from vendor.bake.settings import BakeSettings, SettingsProblem
from vendor.cli.bake import _target as build_target
from vendor.cli.errors import USER_ERROR, user_errors
from vendor.cli.printable import printable
from vendor.cli.stack import aws_options, stack_errors, start_emulator
from vendor.pipeline.infra import InfraRunner, ReleaseInProgress
from vendor.pipeline.infra_source import CommittedConfig
from vendor.pipeline.source import SourceStageError
from vendor.state import default_state_dir


@click.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--commit", default="HEAD", show_default=True,
              help="Commit (SHA, branch or tag) of the config's git repository to release.")
@aws_options
@user_errors
@stack_errors
def release(config: str, commit: str, profile: str | None, region: str | None, shared_certificate: str | None) -> None:
    """Release a committed config change: Source -> Bake -> Plan -> Approve -> Apply.

    Takes CONFIG and the files it names as they are in --commit of its git repository. Bakes a
    new AMI only when the image inputs changed (else reuses the AMI of the same bake key; the
    AMI description carries the commit's id, time, author and subject), plans the stack with it,
    and for production (or pipeline/require_approval) mails every approver the plan and waits.
    Apply carries out exactly the approved plan: if AWS changed after the approval, nothing is
    applied and the approvers get a new request with the new plan (at most 3 in all).
    Executions are recorded under the pipeline vend-<customer>-<environment>-infra.

    \b
    Example:
      vend release configs/acme-production.yaml --commit $(git rev-parse HEAD)
    """
    state = default_state_dir()
    target = resolve_target(profile, start_emulator)
    environ = {**os.environ, "AWS_ENDPOINT_URL": target.endpoint_url} if target.endpoint_url else None
    try:
        settings, gate = BakeSettings.from_env(environ), Gate.from_settings()
    except (SettingsProblem, ApprovalSettingsProblem, KeyProblem) as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(USER_ERROR)
    console = Console(lambda text: click.echo(text, nl=False), tty=sys.stdout.isatty())

    with ExitStack() as stack:
        def connect(source: CommittedConfig, work: Path):
            ctx = context(target, region or source.config.config.region, CallCounter())
            ec2 = ctx.client("ec2")
            baker = Baker(ec2=ec2, target=stack.enter_context(build_target(settings, ec2)),
                          packer=Packer(settings.packer), console=console, out_dir=work / "build")
            return ctx, baker

        runner = InfraRunner(state, connect=connect, gate=gate, shared_certificate=shared_certificate,
                             on_event=lambda stage, status, summary: click.echo(f"{stage:<8} {status:<10} {printable(summary)}"),
                             on_output=lambda stage, line: click.echo(f"  {stage.lower()} | {line}"))
        try:
            execution = runner.run(config, commit)
        except (SourceStageError, ReleaseInProgress) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(USER_ERROR)
    click.echo(f"execution {execution.id} of {execution.pipeline}: {execution.status}")
    if execution.status != "Succeeded":
        sys.exit(1)
