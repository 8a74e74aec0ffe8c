"""`vend release-stage plan|apply`: the infrastructure pipeline's CodeBuild steps.

What the pipeline's buildspecs run (vendor.render.infra_buildspec), in the extracted source (the
config repository at the released commit); the same stage code as `vend release` runs locally.
They can be run by hand to see what a build would do: `plan` writes the plan artifact, `apply`
applies exactly a plan artifact (nothing when AWS drifted from its base).
"""
from __future__ import annotations

import os
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path

import click

from vendor.aws.calls import CallCounter
from vendor.aws.endpoint import resolve_target
from vendor.aws.stack_ops import context
from vendor.bake.runner import Console
from vendor.bake.settings import BakeSettings, SettingsProblem
from vendor.cli.bake import _forget
from vendor.cli.errors import USER_ERROR, user_errors
from vendor.cli.release import bake_connect, on_output, on_stage
from vendor.cli.stack import aws_options, stack_errors, start_emulator
from vendor.pipeline import plan_artifact
from vendor.pipeline.infra import InfraRunner
from vendor.pipeline.infra_build import apply_in_build, exported_source, plan_in_build
from vendor.pipeline.source import SourceStageError
from vendor.state import default_state_dir

SOURCE = click.option("--source", default=".", show_default=True, type=click.Path(file_okay=False),
                      help="The extracted source: the config repository at the released commit, with .vend-source.json.")


def _settings(target) -> BakeSettings:
    environ = {**os.environ, "AWS_ENDPOINT_URL": target.endpoint_url} if target.endpoint_url else None
    try:
        return BakeSettings.from_env(environ)
    except SettingsProblem as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(USER_ERROR)


def _source(source: str, config: str):
    try:
        return exported_source(Path(source), config)
    except SourceStageError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(USER_ERROR)


def _work() -> Path:
    return default_state_dir() / "pipelines" / "infra-work" / f"build-{uuid.uuid4().hex[:12]}"


@click.group("release-stage")
def release_stage() -> None:
    """The infrastructure pipeline's build steps (what its CodeBuild projects run).

    \b
    Example:
      vend release-stage plan configs/acme-production.yaml --out .vend-plan
      vend release-stage apply configs/acme-production.yaml --plan .vend-plan/plan.json
    """


@release_stage.command("plan")
@click.argument("config")
@SOURCE
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Where the plan artifact is written.")
@aws_options
@user_errors
@stack_errors
def plan(config: str, source: str, out: str, profile, region, shared_certificate) -> None:
    """Bake and Plan CONFIG (a path inside --source); write the plan artifact to --out.

    \b
    Example (what the Plan build runs, in the extracted source):
      vend release-stage plan configs/acme-production.yaml --out .vend-plan
    """
    src = _source(source, config)
    target = resolve_target(profile, start_emulator)
    settings = _settings(target)
    console = Console(lambda text: click.echo(text, nl=False), tty=False)
    with ExitStack() as stack:
        runner = InfraRunner(default_state_dir(), connect=bake_connect(stack, settings, target, region, console),
                             gate=None, shared_certificate=shared_certificate, on_event=on_stage, on_output=on_output)
        ok = plan_in_build(runner, src, _work(), Path(out))
    if ok:
        click.echo(f"plan artifact: {Path(out) / plan_artifact.PLAN}")
    sys.exit(0 if ok else 1)


@release_stage.command("apply")
@click.argument("config")
@SOURCE
@click.option("--plan", "plan_file", required=True, type=click.Path(dir_okay=False),
              help="The approved plan artifact (plan.json of the Plan stage's output).")
@aws_options
@user_errors
@stack_errors
def apply(config: str, source: str, plan_file: str, profile, region, shared_certificate) -> None:
    """Apply exactly the plan artifact --plan to CONFIG's environment; nothing when AWS drifted.

    \b
    Example (what the Apply build runs, with the approved plan as its second input):
      vend release-stage apply configs/acme-production.yaml --plan "$CODEBUILD_SRC_DIR_plan/plan.json"
    """
    try:
        artifact = plan_artifact.read(Path(plan_file))
    except plan_artifact.PlanArtifactError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(USER_ERROR)
    src = _source(source, config)
    target = resolve_target(profile, start_emulator)
    ctx = context(target, region or artifact.region, CallCounter())
    runner = InfraRunner(default_state_dir(), connect=None, gate=None, shared_certificate=shared_certificate,
                         on_event=on_stage, on_output=on_output)
    ok = apply_in_build(runner, src, _work(), artifact, ctx, _forget(_settings(target)))
    sys.exit(0 if ok else 1)
