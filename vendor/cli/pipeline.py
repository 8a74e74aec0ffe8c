"""Commands that run the customer's pipelines locally: push, pipeline status."""
from __future__ import annotations

import datetime

import click

from vendor.approvals.gate import Gate
from vendor.approvals.keys import KeyProblem
from vendor.approvals.settings import SettingsProblem
from vendor.approvals.store import StoreError
from vendor.cli.approval_gate import approval_gate
from vendor.aws import clients
from vendor.cli.deploy import HOSTS, rollout_for
from vendor.cli.aws_flags import aws_flags
from vendor.cli.engines import (ENGINE, app_is_deployed, aws_errors, codepipeline_parts, engine_kind, on_instance,
                                on_stage, reachable_artifact_bucket)
from vendor.cli.errors import user_errors
from vendor.cli.printable import printable
from vendor.config.loader import ConfigFile, load_config
from vendor.aws.codedeploy import DeployError
from vendor.aws.codepipeline import PipelineError
from vendor.deploy.lifecycle import S3Location
from vendor.pipeline.engines import CodePipelineEngine, LocalEngine, PushError, PushInterrupted
from vendor.pipeline.executions import Executions
from vendor.pipeline.infra import infra_pipeline
from vendor.pipeline.runner import PipelineRunner, Store, app_pipeline
from vendor.state import default_state_dir


def _executions(pipeline: str) -> Executions:
    return Executions(default_state_dir(), pipeline)


def _artifact_store(cf: ConfigFile) -> Store | None:
    """The environment's artifact bucket, as the vended pipeline's artifact store; None (with a
    note) when it cannot be reached."""
    bucket = reachable_artifact_bucket(cf)
    if bucket is None:
        return None
    s3 = clients.client("s3", region=cf.config.region)

    def store(key: str, data: bytes) -> S3Location:
        return S3Location.put_answer(bucket, key, s3.put_object(Bucket=bucket, Key=key, Body=data))

    return store


@click.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("source", default=".")
@click.option("--ref", help="Branch, tag or commit of a git SOURCE (default HEAD).")
@HOSTS
@click.option("--build-timeout", default=60, show_default=True, type=click.IntRange(1, 480), help="Minutes.")
@ENGINE
@click.option("--trigger-wait", default=20, show_default=True, type=click.IntRange(0, 300),
              help="On AWS: seconds to wait for the execution the upload starts (EventBridge) before starting one.")
@aws_flags
@user_errors
@aws_errors
def push(config: str, source: str, ref: str | None, hosts_file: str | None, build_timeout: int, engine: str,
         trigger_wait: int) -> None:
    """Run the pipeline on SOURCE: Source -> Build (buildspec.yml) -> Approve -> Deploy.

    SOURCE is a git repository (archived at --ref) or a directory, with appspec.yml and
    buildspec.yml. Approval (production, or pipeline/require_approval) mails every approver a
    link and waits for the decision; a failed build never reaches approval and a rejected
    approval never deploys.

    On AWS (instances that are not local hosts, or --engine aws) the vended CodePipeline runs it:
    SOURCE is zipped (appspec.yml at its root) to the artifact bucket key its S3 source action
    reads, the execution is started and followed stage by stage, CodeDeploy's instances event by
    event. Ctrl-C stops following, not the execution.

    \b
    Example:
      vend push configs/acme-staging.yaml ../shop --ref main --hosts hosts.yaml
    """
    cf = load_config(config)
    name = app_pipeline(cf.config.slug)
    if engine_kind(cf, hosts_file, engine) == "aws":
        parts = codepipeline_parts(cf)
        if parts["source_key"] is None:
            click.echo(f"note: {name} reads {cf.config.pipeline.source.repository}: push your commit there; "
                       "vend starts an execution and follows it")
        runner = CodePipelineEngine(name, work_dir=default_state_dir() / "pipelines" / name / "aws",
                                    on_event=on_stage, on_output=on_instance, trigger_wait=trigger_wait, **parts)
    else:
        try:
            gate = approval_gate(cf.config, Gate.from_settings())
        except (SettingsProblem, KeyProblem, StoreError) as e:
            raise click.ClickException(str(e))
        rollout = rollout_for(cf, hosts_file, None, True)
        runner = LocalEngine(PipelineRunner(
            cf.config, _executions(name), default_state_dir() / "pipelines" / name / "work",
            gate=gate, deploy=lambda bundle, location: rollout.deploy(bundle.data, bundle.sha256, location),
            build_timeout=build_timeout * 60, on_event=on_stage,
            on_output=lambda phase, line: click.echo(f"  build | {phase} | {line}"),
            store=None if hosts_file else _artifact_store(cf)))
    execution_id, status = _follow(lambda: runner.push(source, ref))
    if status == "Succeeded" and runner.name == "aws":
        app_is_deployed(cf)
    click.echo(f"execution {execution_id}: {status}")
    if status != "Succeeded":
        raise SystemExit(1)


def _follow(call):
    try:
        return call()
    except PushInterrupted as e:
        click.echo(str(e))
        raise SystemExit(130)
    except (PushError, PipelineError, DeployError) as e:
        raise click.ClickException(str(e))


@click.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("execution_id")
@click.option("--infra", is_flag=True, help="The infrastructure pipeline (vend release --engine aws).")
@aws_flags
@user_errors
@aws_errors
def follow(config: str, execution_id: str, infra: bool) -> None:
    """Follow an execution of the environment's CodePipeline (on AWS) to its end.

    \b
    Example:
      vend pipeline follow configs/acme-staging.yaml 4d1c7f0e-...
      vend pipeline follow configs/acme-production.yaml --infra 4d1c7f0e-...
    """
    cf = load_config(config)
    name = infra_pipeline(cf.config.slug) if infra else app_pipeline(cf.config.slug)
    parts = codepipeline_parts(cf)
    engine = CodePipelineEngine(name, None, parts["artifacts"], parts["runs"], parts["deployments"],
                                default_state_dir(), on_event=on_stage,
                                on_output=(lambda stage, line: click.echo(f"  {stage} | {printable(line)}"))
                                if infra else on_instance, build_logs=parts["build_logs"],
                                build_stages=("Plan", "Apply") if infra else ("Build",),
                                follow_command="vend pipeline follow CONFIG" + (" --infra" if infra else ""))
    execution_id, status = _follow(lambda: engine.follow(execution_id))
    click.echo(f"execution {execution_id}: {status}")
    if status != "Succeeded":
        raise SystemExit(1)


@click.group()
def pipeline() -> None:
    """The customer's pipelines as the local runner ran them: the application's (vend push) and
    the infrastructure's (vend release).

    \b
    Example:
      vend pipeline status configs/acme-staging.yaml
    """


@pipeline.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--last", default=5, show_default=True, type=click.IntRange(1, 100), help="How many executions.")
@click.option("--infra", is_flag=True, help="The infrastructure pipeline (vend release) instead of the application's.")
@ENGINE
@aws_flags
@user_errors
@aws_errors
def status(config: str, last: int, infra: bool, engine: str) -> None:
    """Show the latest executions, newest first: each stage's result, time and summary.

    On AWS (or --engine aws) the executions are CodePipeline's, the newest with its stages.

    \b
    Example:
      vend pipeline status configs/acme-staging.yaml --last 3
      vend pipeline status configs/acme-production.yaml --infra
    """
    cf = load_config(config)
    slug = cf.config.slug
    name = infra_pipeline(slug) if infra else app_pipeline(slug)
    executions = _executions(name).all()[-last:]
    if infra and engine == "aws":
        _follow(lambda: _aws_status(cf, name, last))
        return
    if not infra and engine != "local" and (engine == "aws" or not executions) \
            and engine_kind(cf, None, engine) == "aws":
        _follow(lambda: _aws_status(cf, name, last))
        return
    if not executions:
        click.echo(f"no executions of {name} yet ({'vend release' if infra else 'vend push'})")
    for e in reversed(executions):
        started = datetime.datetime.fromtimestamp(e.started, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        click.echo(printable(f"{e.id}  {e.status}  {started}  {e.source} {e.commit[:12]}".rstrip()))
        for s in e.stages:
            took = f"{s.ended - s.started:.1f}s" if s.started and s.ended else ""
            click.echo(f"  {s.name:<8} {s.status:<10} {took:>7}  {printable(s.summary)}".rstrip())


def _aws_status(cf: ConfigFile, name: str, last: int) -> tuple[str, str]:
    runs = codepipeline_parts(cf)["runs"]
    recent = runs.recent(name, last)
    if not recent:
        click.echo(f"no executions of {name} yet ({'vend release --engine aws' if name.endswith('-infra') else 'vend push'})")
        return "", ""
    stages = {s.name: s for s in runs.stages(name) if s.execution_id == recent[0].id}
    for i, e in enumerate(recent):
        click.echo(f"{e.id}  {e.status}  {', '.join(r for r in e.source_revisions if r)}".rstrip())
        if i == 0:
            for s in stages.values():
                click.echo(f"  {s.name:<8} {s.status}")
    return recent[0].id, recent[0].status


pipeline.add_command(follow)

COMMANDS = [push, pipeline]
