"""`vend release --engine aws`: set up the environment's infrastructure pipeline, or release through it.

- `setup`: the pipeline's resources (vendor.plan.infra_pipeline) applied like a stack, converging
  when run again; then vend itself is put where the builds install it from.
- `release_on_aws`: first checks that the pipeline is what this vend and the config at the commit
  want (else: run --setup, nothing is started), then uploads, starts and follows
  (vendor.pipeline.infra_engine).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import click
from botocore.exceptions import ClientError

from vendor.aws import executor
from vendor.aws.artifacts import ArtifactBucket
from vendor.aws.build_logs import BuildLogs
from vendor.aws.calls import CallCounter
from vendor.aws.observe import observe
from vendor.aws.pipeline_runs import PipelineRuns
from vendor.aws.stack_ops import context, load_stack
from vendor.cli.printable import printable
from vendor.cli.stack import _progress
from vendor.config.loader import load_config
from vendor.config.source import SourceError
from vendor.pipeline.infra_engine import InfraPipelineEngine, vend_package
from vendor.pipeline.infra_source import committed_config
from vendor.plan import infra_pipeline
from vendor.plan.diff import plan_apply
from vendor.state import default_state_dir


def _on_stage(stage: str, status: str, summary: str) -> None:
    click.echo(f"{stage:<8} {status:<10} {printable(summary)}")


def _on_output(stage: str, line: str) -> None:
    click.echo(f"  {stage} | {printable(line)}")


def exists(config: str, target, region: str | None) -> bool:
    """Whether the environment's infrastructure pipeline exists (`--engine auto` then uses it).
    A working copy that does not load is no answer: the local release reports the committed config."""
    try:
        cf = load_config(config)
    except SourceError:
        return False
    ctx = context(target, region or cf.config.region)
    try:
        ctx.client("codepipeline").get_pipeline(name=f"vend-{cf.config.slug}-infra")
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == "PipelineNotFoundException":
            return False
        raise
    return True


def _wanted(config: str, commit: str, target, region: str | None, shared_certificate: str | None):
    """(AWS context, the config at `commit`, the pipeline's resources, vend's package)."""
    with tempfile.TemporaryDirectory(prefix="vend-release-") as tmp:
        source = committed_config(config, commit, Path(tmp) / "source")
    cf = source.config
    ctx = context(target, region or cf.config.region, CallCounter())
    facts = load_stack(ctx, cf, shared_certificate=shared_certificate).facts
    key, data = vend_package()
    return ctx, cf, facts, infra_pipeline.resources(cf.config, facts, source.path, key), (key, data)


def setup(config: str, commit: str, target, region: str | None, shared_certificate: str | None) -> int:
    ctx, cf, facts, resources, (key, data) = _wanted(config, commit, target, region, shared_certificate)
    names = infra_pipeline.infra_names(cf.config, facts)
    click.echo(f"Setting up {names.pipeline} in {ctx.region} ({target.label}):")
    outcome = executor.apply(ctx, resources, progress=_progress)
    bucket = ArtifactBucket(names.bucket, ctx.client("s3"))
    bucket.put(key, data, "application/zip")
    n = {a: sum(1 for s in outcome.steps if s.action == a) for a in ("create", "update", "delete")}
    click.echo(f"Set up: {n['create']} created, {n['update']} updated, {n['delete']} deleted; vend for its builds "
               f"at {bucket.uri(key)}")
    click.echo(f"Release through it: vend release {config} --engine aws [--commit SHA]")
    return 0


def release_on_aws(config: str, commit: str, target, region: str | None, shared_certificate: str | None) -> int:
    ctx, cf, facts, resources, _ = _wanted(config, commit, target, region, shared_certificate)
    names = infra_pipeline.infra_names(cf.config, facts)
    steps = plan_apply(resources, observe(ctx, resources))
    missing = any(s.action == "create" and s.resource.kind == infra_pipeline.PIPELINE for s in steps)
    if missing:
        click.echo(f"error: {names.pipeline} does not exist in {ctx.region}; create it with: "
                   f"vend release {config} --engine aws --setup", err=True)
        return 2
    differ = [f"{s.action} {s.key}" for s in steps if s.action != "keep"]
    if differ:
        click.echo(f"error: {names.pipeline} is not what this vend and the config at {commit} want "
                   f"({'; '.join(differ)}); update it with: vend release {config} --engine aws --setup "
                   f"--commit {commit}", err=True)
        return 2
    engine = InfraPipelineEngine(names.pipeline, names.source_key, ArtifactBucket(names.bucket, ctx.client("s3")),
                                 PipelineRuns(ctx.client("codepipeline")),
                                 default_state_dir() / "pipelines" / names.pipeline / "aws",
                                 on_event=_on_stage, on_output=_on_output,
                                 build_logs=BuildLogs(ctx.client("codebuild"), ctx.client("logs")))
    execution_id, status = engine.release(config, commit)
    click.echo(f"execution {execution_id} of {names.pipeline}: {status}")
    return 0 if status == "Succeeded" else 1
