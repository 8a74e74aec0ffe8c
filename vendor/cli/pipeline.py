"""Commands that run the customer's pipeline locally: push, pipeline status."""
from __future__ import annotations

import datetime

import click

from vendor.approvals.gate import Gate
from vendor.cli.deploy import HOSTS, rollout_for
from vendor.cli.errors import user_errors
from vendor.config.loader import load_config
from vendor.pipeline.executions import Executions
from vendor.pipeline.runner import PipelineRunner
from vendor.state import default_state_dir


def _executions(slug: str) -> Executions:
    return Executions(default_state_dir(), f"vend-{slug}")


@click.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("source", default=".")
@click.option("--ref", help="Branch, tag or commit of a git SOURCE (default HEAD).")
@HOSTS
@click.option("--build-timeout", default=60, show_default=True, type=click.IntRange(1, 480), help="Minutes.")
@user_errors
def push(config: str, source: str, ref: str | None, hosts_file: str | None, build_timeout: int) -> None:
    """Run the pipeline on SOURCE: Source -> Build (buildspec.yml) -> Approve -> Deploy.

    SOURCE is a git repository (archived at --ref) or a directory, with appspec.yml and
    buildspec.yml. Approval (production, or pipeline/require_approval) mails every approver a
    link and waits for the decision; a failed build never reaches approval and a rejected
    approval never deploys.

    \b
    Example:
      vend push configs/acme-staging.yaml ../shop --ref main --hosts hosts.yaml
    """
    cf = load_config(config)
    rollout = rollout_for(cf, hosts_file, None, True)
    runner = PipelineRunner(
        cf.config, _executions(cf.config.slug), default_state_dir() / "pipelines" / f"vend-{cf.config.slug}" / "work",
        gate=Gate.from_settings(), deploy=lambda bundle: rollout.deploy(bundle.data, bundle.sha256),
        build_timeout=build_timeout * 60,
        on_event=lambda stage, status, summary: click.echo(f"{stage:<8} {status:<10} {summary}"),
        on_output=lambda phase, line: click.echo(f"  build | {phase} | {line}"))
    execution = runner.run(source, ref)
    click.echo(f"execution {execution.id}: {execution.status}")
    if execution.status != "Succeeded":
        raise SystemExit(1)


@click.command(name="pipeline-status")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--last", default=5, show_default=True, type=click.IntRange(1, 100), help="How many executions.")
@user_errors
def pipeline_status(config: str, last: int) -> None:
    """Show the latest pipeline executions: stages, results and times.

    \b
    Example:
      vend pipeline-status configs/acme-staging.yaml --last 3
    """
    cf = load_config(config)
    executions = _executions(cf.config.slug).all()[-last:]
    if not executions:
        click.echo("no executions yet (vend push)")
    for e in reversed(executions):
        started = datetime.datetime.fromtimestamp(e.started, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        click.echo(f"{e.id}  {e.status}  {started}  {e.source} {e.commit[:12]}".rstrip())
        for s in e.stages:
            took = f"{s.ended - s.started:.1f}s" if s.started and s.ended else ""
            click.echo(f"  {s.name:<8} {s.status:<10} {took:>7}  {s.summary}".rstrip())


COMMANDS = [push, pipeline_status]
