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
from vendor.aws.codepipeline import PipelineError
from vendor.cli import release_aws
from vendor.cli.bake import _target as build_target
from vendor.cli.engines import aws_errors
from vendor.cli.errors import USER_ERROR, user_errors
from vendor.cli.printable import printable
from vendor.cli.stack import aws_options, stack_errors, start_emulator
from vendor.pipeline.engines import PushError, PushInterrupted
from vendor.pipeline.infra import InfraRunner, ReleaseInProgress
from vendor.pipeline.infra_source import CommittedConfig
from vendor.pipeline.source import SourceStageError
from vendor.state import default_state_dir


@click.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--commit", default="HEAD", show_default=True,
              help="Commit (SHA, branch or tag) of the config's git repository to release.")
@click.option("--engine", type=click.Choice(["auto", "local", "aws"]), default="auto", show_default=True,
              help="Who runs the stages: local (this machine) or aws (the environment's infrastructure pipeline "
                   "on AWS, made by --setup); auto: aws when that pipeline exists.")
@click.option("--setup", is_flag=True,
              help="With --engine aws: create or update the environment's infrastructure pipeline, then stop.")
@aws_options
@user_errors
@stack_errors
@aws_errors
def release(config: str, commit: str, engine: str, setup: bool, profile: str | None, region: str | None,
            shared_certificate: str | None) -> None:
    """Release a committed config change: Source -> Bake -> Plan -> Approve -> Apply.

    Takes CONFIG and the files it names as they are in --commit of its git repository. Bakes a
    new AMI only when the image inputs changed (else reuses the AMI of the same bake key; the
    AMI description carries the commit's id, time, author and subject), plans the stack with it,
    and for production (or pipeline/require_approval) mails every approver the plan and waits.
    Apply carries out exactly the approved plan: if AWS changed after the approval, nothing is
    applied and the approvers get a new request with the new plan (at most 3 in all).
    Executions are recorded under the pipeline vend-<customer>-<environment>-infra.

    On AWS (--engine aws) that pipeline is a CodePipeline of its own, so no laptop is the control
    plane: --setup creates it once (and again when vend, the approvers or the config's path
    change); each release then uploads the config repository at --commit, starts an execution
    and follows it: Plan (CodeBuild: Bake + Plan) -> Approve (the plan, mailed by the approvals
    service) -> Apply (CodeBuild: exactly the approved plan artifact, nothing if AWS drifted).

    \b
    Example:
      vend release configs/acme-production.yaml --commit $(git rev-parse HEAD)
      vend release configs/acme-production.yaml --engine aws --setup
      vend release configs/acme-production.yaml --engine aws
    """
    state = default_state_dir()
    target = resolve_target(profile, start_emulator)
    if setup and engine != "aws":
        raise click.UsageError("--setup creates the infrastructure pipeline on AWS: give --engine aws too")
    if setup or engine == "aws" or (engine == "auto" and release_aws.exists(config, target, region)):
        run = release_aws.setup if setup else release_aws.release_on_aws
        try:
            code = run(config, commit, target, region, shared_certificate)
        except (SourceStageError, PushError, PipelineError) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(USER_ERROR)
        except PushInterrupted as e:
            click.echo(str(e))
            sys.exit(130)
        sys.exit(code)
    environ = {**os.environ, "AWS_ENDPOINT_URL": target.endpoint_url} if target.endpoint_url else None
    try:
        settings, gate = BakeSettings.from_env(environ), Gate.from_settings()
    except (SettingsProblem, ApprovalSettingsProblem, KeyProblem) as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(USER_ERROR)
    console = Console(lambda text: click.echo(text, nl=False), tty=sys.stdout.isatty())

    with ExitStack() as stack:
        runner = InfraRunner(state, connect=bake_connect(stack, settings, target, region, console), gate=gate,
                             shared_certificate=shared_certificate, on_event=on_stage, on_output=on_output)
        try:
            execution = runner.run(config, commit)
        except (SourceStageError, ReleaseInProgress) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(USER_ERROR)
    click.echo(f"execution {execution.id} of {execution.pipeline}: {execution.status}")
    if execution.status != "Succeeded":
        sys.exit(1)


def on_stage(stage: str, status: str, summary: str) -> None:
    click.echo(f"{stage:<8} {status:<10} {printable(summary)}")


def on_output(stage: str, line: str) -> None:
    click.echo(f"  {stage.lower()} | {line}")


def bake_connect(stack: ExitStack, settings: BakeSettings, target, region: str | None, console):
    """The Bake stage's start: (AWS context, Baker) for a release's config (InfraRunner's `connect`)."""
    def connect(source: CommittedConfig, work: Path):
        ctx = context(target, region or source.config.config.region, CallCounter())
        ec2 = ctx.client("ec2")
        baker = Baker(ec2=ec2, target=stack.enter_context(build_target(settings, ec2)),
                      packer=Packer(settings.packer), console=console, out_dir=work / "build")
        return ctx, baker

    return connect
