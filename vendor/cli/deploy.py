"""Commands that put a revision on the fleet: deploy, releases, rollback."""
from __future__ import annotations

import uuid
from pathlib import Path

import click

from vendor.aws import clients
from vendor.aws.codedeploy import CodeDeploy
from vendor.aws.fleet import NoSuchGroup, fleet
from vendor.aws.target_group import TargetGroupTraffic
from vendor.cli.aws_flags import aws_flags
from vendor.cli.engines import (ENGINE, app_is_deployed, aws_errors, codedeploy_engine, engine_kind,
                                reachable_artifact_bucket)
from vendor.cli.hook_notes import HookNotes, NotedRollout
from vendor.cli.errors import user_errors
from vendor.cli.runtime_env import env_file_for
from vendor.config.loader import ConfigFile, load_config
from vendor.config.names import base
from vendor.deploy.bundle import upload
from vendor.deploy.health import HealthCheck
from vendor.deploy.history import GroupState
from vendor.deploy.hosts_file import load_hosts
from vendor.deploy.lifecycle import S3Location
from vendor.deploy.engines import EngineError, SshEngine
from vendor.deploy.rollout import Group, Rollout, RolloutResult
from vendor.deploy.traffic import HealthGatedTraffic
from vendor.sandbox.environments import hosts_by_instance
from vendor.state import default_state_dir

CONFIG = click.argument("config", type=click.Path(dir_okay=False))
HOSTS = click.option("--hosts", "hosts_file", type=click.Path(dir_okay=False),
                     help="Static host list (YAML) instead of the auto-scaling group's InService instances.")


def _group(cf: ConfigFile, hosts_file: str | None = None) -> Group:
    """The deployment group as CodeDeploy knows it (vend apply made it): hooks get its id as
    DEPLOYMENT_GROUP_ID, as the agent gives it. A static host list (--hosts) needs no deployment
    group: then a stable id is made from the name."""
    name = base(cf.config)
    group_id = None if hosts_file else CodeDeploy(region=cf.config.region).group_id(name, name)
    return Group(application=name, name=name,
                 group_id=group_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"vend:{name}")))


def group_state(cf: ConfigFile) -> GroupState:
    return GroupState(default_state_dir(), base(cf.config))


def rollout_for(cf: ConfigFile, hosts_file: str | None, strategy: str | None, rollback: bool) -> NotedRollout:
    c = cf.config
    key = cf.base_dir / c.deploy.ssh.key_file if c.deploy.ssh.key_file else None
    if hosts_file:
        listed = load_hosts(hosts_file, default_user=c.deploy.ssh.user, default_key=key)
        hosts, tg_arns, target_of = listed.hosts, [listed.target_group_arn] if listed.target_group_arn else [], None
        env_file = None  # a static host list: vend does not own these hosts' runtime
    else:
        try:
            found = fleet(clients.client("autoscaling", region=c.region), clients.client("ec2", region=c.region),
                          base(c), user=c.deploy.ssh.user, key_path=key or Path("~/.ssh/id_ed25519").expanduser())
        except NoSuchGroup as e:
            raise click.ClickException(f"{e}, or give --hosts")
        stand_ins = hosts_by_instance(default_state_dir())  # the sandbox's local hosts, if it runs
        hosts = [stand_ins.get(found.instance_ids[h.name], h) for h in found.hosts]
        tg_arns, target_of = found.target_group_arns, found.instance_ids.__getitem__
        env_file = env_file_for(cf)
    traffic = None
    if tg_arns:
        inner = TargetGroupTraffic(clients.client("elbv2", region=c.region), tg_arns[0], c.routing.port,
                                   **({"target_of": lambda h: target_of(h.name)} if target_of else {}))
        traffic = HealthGatedTraffic(inner, HealthCheck.from_routing(c.routing), grace=c.deploy.health_check_grace_seconds)
    notes = HookNotes(lambda host, line: click.echo(f"  {host} | {line}"))
    return NotedRollout(Rollout(hosts, _group(cf, hosts_file), group_state(cf), traffic=traffic,
                                strategy=strategy or c.deploy.strategy, auto_rollback=rollback and c.deploy.auto_rollback,
                                on_output=notes, env_file=env_file), notes)


def _report(result: RolloutResult, echo=click.echo) -> None:
    for h in result.hosts:
        echo(f"{h.host}: {'Succeeded' if h.ok else 'Failed at ' + h.message}")
    if result.rolled_back_to:
        back = ", ".join(f"{h.host} {'ok' if h.ok else 'FAILED: ' + h.message}" for h in result.rollback)
        echo(f"rolled back to {result.rolled_back_to[:12]}: {back}")
    status = "Succeeded" if result.ok else f"Failed: {result.message}"
    echo(f"deployment {result.deployment_id} of {result.revision[:12]}: {status} "
               f"({result.seconds:.1f}s, hook scripts {result.hook_seconds:.1f}s)")


def _finish(ok: bool) -> None:
    if not ok:
        raise SystemExit(1)


def engine_for(cf: ConfigFile, hosts_file: str | None, engine: str):
    """The deployment engine for this environment (see vendor.cli.engines)."""
    if engine_kind(cf, hosts_file, engine) == "aws":
        return codedeploy_engine(cf)
    return SshEngine(lambda: rollout_for(cf, hosts_file, None, rollback=True), group_state(cf), _report)


@click.command()
@CONFIG
@click.argument("revision_dir", type=click.Path(file_okay=False, exists=True))
@HOSTS
@click.option("--strategy", type=click.Choice(["one-at-a-time", "half-at-a-time", "all-at-once"]),
              help="Override the config's deploy/strategy.")
@click.option("--no-rollback", is_flag=True, help="Leave failed hosts as they are.")
@click.option("--bucket", help="Also store the bundle in this artifact bucket (content-addressed key); hooks get "
                                "its location as BUNDLE_*. Default without --hosts: the environment's artifact bucket.")
@ENGINE
@aws_flags
@user_errors
@aws_errors
def deploy(config: str, revision_dir: str, hosts_file: str | None, strategy: str | None, no_rollback: bool,
           bucket: str | None, engine: str) -> None:
    """Deploy REVISION_DIR (appspec.yml at its root) to the fleet, CodeDeploy-style.

    Hosts are taken out of the target group one at a time (by default), the lifecycle hooks run
    over SSH, the app's health check must pass, and the host is put back. The first failure stops
    the rollout and rolls every touched host back to the last good revision.

    On AWS (instances that are not local hosts, or --engine aws) the revision is zipped into the
    artifact bucket and CodeDeploy's deployment group deploys it; vend follows each instance's
    lifecycle events to the end (Ctrl-C stops following, not the deployment).

    \b
    Example:
      vend deploy configs/acme-staging.yaml build/acme-staging/app
      vend deploy configs/acme-staging.yaml ./my-app --hosts hosts.yaml --strategy half-at-a-time
    """
    cf = load_config(config)
    if engine_kind(cf, hosts_file, engine) == "aws":
        if strategy or no_rollback or bucket:
            raise click.UsageError("--strategy, --no-rollback and --bucket apply to SSH deploys; on AWS the "
                                   "deployment group's configuration decides (vend apply)")
        ok = codedeploy_engine(cf).deploy(Path(revision_dir), click.echo)
        if ok:
            app_is_deployed(cf)
    else:
        if bucket is None and hosts_file is None:
            # the sandbox: on AWS the revision goes to the artifact bucket first; here too, when it is there
            bucket = reachable_artifact_bucket(cf)

        def keep(bundle) -> S3Location:  # the hooks get where it is (BUNDLE_*), as the agent gives them
            where = upload(clients.client("s3", region=cf.config.region), bucket, bundle)
            click.echo(f"bundle stored as s3://{bucket}/{where.key}")
            return where

        ssh = SshEngine(rollout_for(cf, hosts_file, strategy, not no_rollback), group_state(cf), _report,
                        keep=keep if bucket else None)
        try:
            ok = ssh.deploy(Path(revision_dir), click.echo)
        except EngineError as e:
            raise click.ClickException(str(e))
    _finish(ok)


@click.command()
@CONFIG
@HOSTS
@ENGINE
@aws_flags
@user_errors
@aws_errors
def releases(config: str, hosts_file: str | None, engine: str) -> None:
    """List the deployments of a customer environment, newest first.

    On AWS the history is CodeDeploy's deployment group's, so every operator sees the same.

    \b
    Example:
      vend releases configs/acme-staging.yaml
    """
    cf = load_config(config)
    local = SshEngine(None, group_state(cf), _report)
    kind = engine_kind(cf, hosts_file, engine) if engine != "auto" or hosts_file or not local.releases() else "local"
    history = (codedeploy_engine(cf) if kind == "aws" else local).releases()
    if not history:
        click.echo("no deployments yet")
    for r in reversed(history):
        extra = f" ({r.detail})" if r.detail else ""
        by = f"  by {r.who}" if r.who else ""
        click.echo(f"{r.at}  {r.deployment_id}  {r.revision[:12]}  {r.status}{extra}{by}")


@click.command()
@CONFIG
@click.argument("revision", required=False)
@HOSTS
@ENGINE
@aws_flags
@user_errors
@aws_errors
def rollback(config: str, revision: str | None, hosts_file: str | None, engine: str) -> None:
    """Deploy an earlier good revision again (default: the one before the current).

    REVISION is a revision hash or its prefix, as `vend releases` shows it. On AWS the earlier
    revision (still in the artifact bucket) is deployed again through CodeDeploy.

    \b
    Example:
      vend rollback configs/acme-staging.yaml
      vend rollback configs/acme-staging.yaml 3f2a9c1b04de --hosts hosts.yaml
    """
    try:
        _finish(engine_for(load_config(config), hosts_file, engine).rollback(revision, click.echo))
    except EngineError as e:
        raise click.ClickException(str(e))


COMMANDS = [deploy, releases, rollback]
