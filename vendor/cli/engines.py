"""Which engine runs a push or a deploy, and building it.

The engine follows where the instances are: `--hosts`, or an auto-scaling group whose instances
are the sandbox's local hosts -> `local` (the local runner, vend's agent over SSH); otherwise (an
ASG on AWS, or on the emulator with no local hosts) -> `aws` (CodePipeline and CodeDeploy).
`--engine local|aws` forces one.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import clients
from vendor.aws.artifacts import ArtifactBucket, ArtifactError
from vendor.aws.build_logs import BuildLogs
from vendor.aws.codedeploy import CodeDeploy, DeployError
from vendor.aws.codepipeline import PipelineError
from vendor.aws.fleet import NoSuchGroup, fleet, use_elb_health_checks
from vendor.aws.pipeline_runs import PipelineRuns
from vendor.cli.printable import printable
from vendor.config.loader import ConfigFile
from vendor.config.names import base
from vendor.deploy.engines import CodeDeployEngine
from vendor.plan import delivery, policies
from vendor.plan.naming import artifact_bucket
from vendor.sandbox.environments import hosts_by_instance
from vendor.state import default_state_dir

ENGINE = click.option("--engine", type=click.Choice(["auto", "local", "aws"]), default="auto", show_default=True,
                      help="Who runs it: local (vend's runner and agent over SSH) or aws (CodePipeline, "
                           "CodeDeploy); auto follows where the instances are.")


def aws_errors(func):
    """What AWS refuses while handing work to it or following it: one `error:` line, exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (DeployError, PipelineError, ArtifactError) as e:
            click.echo(f"error: {e}", err=True)
        except ClientError as e:
            err = e.response.get("Error", {})
            click.echo(f"error: AWS refused {e.operation_name}: {err.get('Code')}: {err.get('Message')}", err=True)
        except BotoCoreError as e:
            click.echo(f"error: {e} (check AWS credentials, the region or AWS_ENDPOINT_URL)", err=True)
        sys.exit(1)

    return wrapper


def engine_kind(cf: ConfigFile, hosts_file: str | None, forced: str) -> str:
    if forced == "aws" and hosts_file:
        raise click.UsageError("--hosts deploys over SSH; it cannot be combined with --engine aws")
    if forced in ("local", "aws"):
        return forced
    if hosts_file:
        return "local"
    c = cf.config
    try:
        found = fleet(clients.client("autoscaling", region=c.region), clients.client("ec2", region=c.region),
                      base(c), user=c.deploy.ssh.user, key_path=Path("/dev/null"))
    except NoSuchGroup as e:
        raise click.ClickException(f"{e}, or give --hosts")
    stand_ins = hosts_by_instance(default_state_dir())
    return "local" if any(i in stand_ins for i in found.instance_ids.values()) else "aws"


def _bucket(cf: ConfigFile) -> ArtifactBucket:
    c = cf.config
    account = clients.client("sts", region=c.region).get_caller_identity()["Account"]
    return ArtifactBucket(artifact_bucket(c, account), region=c.region)


def reachable_artifact_bucket(cf: ConfigFile) -> str | None:
    """The environment's artifact bucket when it can be reached; None (with a note) when not."""
    c = cf.config
    try:
        bucket = artifact_bucket(c, clients.client("sts", region=c.region).get_caller_identity()["Account"])
        clients.client("s3", region=c.region).head_bucket(Bucket=bucket)
    except (ClientError, BotoCoreError) as e:
        click.echo(f"note: artifacts are kept on this machine only (artifact bucket not reachable: {e})")
        return None
    return bucket


def on_instance(instance: str, line: str) -> None:
    click.echo(f"  {instance} | {printable(line)}")


def on_stage(stage: str, status: str, summary: str) -> None:
    click.echo(f"{stage:<8} {status:<10} {printable(summary)}")


def codedeploy_engine(cf: ConfigFile, **follow) -> CodeDeployEngine:
    name = base(cf.config)  # application and deployment group are named like the environment
    return CodeDeployEngine(name, name, _bucket(cf), CodeDeploy(region=cf.config.region), on_instance, **follow)


def codepipeline_parts(cf: ConfigFile) -> dict:
    """What CodePipelineEngine needs besides the pipeline's name and the callbacks."""
    c = cf.config
    s3_source = policies.source_provider(c) == "S3"
    return {"source_key": delivery.SOURCE_ARCHIVE.format(base=base(c)) if s3_source else None,
            "artifacts": _bucket(cf), "runs": PipelineRuns(region=c.region),
            "deployments": CodeDeploy(region=c.region), "build_logs": BuildLogs(region=c.region)}


def app_is_deployed(cf: ConfigFile) -> None:
    """After a successful deployment on AWS: the group's health checks become the load balancer's
    (the stack plans the same from then on, see plan.stack.health_check_type)."""
    name = base(cf.config)
    if use_elb_health_checks(clients.client("autoscaling", region=cf.config.region), name):
        click.echo(f"auto-scaling group {name}: ELB health checks from now on (the app is deployed)")
