"""Commands on images: bake (render, validate, build or reuse, tag, prune, roll) and images."""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from vendor.aws import clients
from vendor.aws.ami_rollout import AutoScalingRefresher, RefreshUnsupported, RolloutError, roll_out
from vendor.aws.images import ImageError
from vendor.bake.amazon import AmazonTarget
from vendor.bake.baker import DEFAULT_TIMEOUT, Baker, BakeResult
from vendor.bake.images import listing
from vendor.bake.layers import LayerError, LayerStore
from vendor.bake.local import LocalTarget
from vendor.bake.manifest import ManifestError
from vendor.bake.masking import Masker
from vendor.bake.retention import prune, retention_plan
from vendor.plan.refresh import refresh_policy
from vendor.bake.runner import Console, Packer, PackerError
from vendor.bake.settings import BakeSettings, SettingsProblem
from vendor.bake.target import BakeError, BuildTarget
from vendor.cli.aws_flags import aws_flags
from vendor.cli.errors import user_errors
from vendor.config.loader import load_config
from vendor.config.names import base
from vendor.paths import DEFAULT_BUILD_DIR
from vendor.sandbox.hosts import LocalHosts, LocalHostsError

CONFIG = click.argument("config", type=click.Path(dir_okay=False))
COMMIT = re.compile(r"^[0-9A-Za-z._-]{1,40}$")
SECRET_VAR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=([A-Za-z_][A-Za-z0-9_]*)$")
FAILURES = (BotoCoreError, ClientError, ResponseParserError, BakeError, PackerError, ImageError, RolloutError,
            LayerError, LocalHostsError, ManifestError, SettingsProblem)


def _fail(error: Exception, masker: Masker) -> click.ClickException:
    """A known failure as one masked line on stderr, exit code 1."""
    return click.ClickException(masker(str(error)))


def _secrets(pairs: tuple[str, ...]) -> dict[str, str]:
    secrets = {}
    for pair in pairs:
        match = SECRET_VAR.match(pair)
        if not match:
            raise click.BadParameter(f"{pair!r} is not NAME=ENVIRONMENT_VARIABLE (e.g. api_token=API_TOKEN)",
                                     param_hint="--secret-var")
        if match[2] not in os.environ:
            raise click.BadParameter(f"environment variable {match[2]} is not set", param_hint="--secret-var")
        secrets[match[1]] = os.environ[match[2]]
    return secrets


@contextmanager
def _target(settings: BakeSettings, ec2) -> Iterator[BuildTarget]:
    if settings.builder == "amazon-ebs":
        yield AmazonTarget(ec2)
        return
    with LocalHosts(settings.hosts_prefix, subnet=settings.hosts_subnet) as hosts:
        yield LocalTarget(ec2, hosts, LayerStore(settings.state_dir))


def _forget(settings: BakeSettings):
    return LayerStore(settings.state_dir).remove if settings.builder == "local" else (lambda ami_id: None)


@click.command()
@CONFIG
@click.option("--commit", default="uncommitted", show_default=True,
              help="Source commit of the config, recorded in the AMI's name and SourceCommit tag.")
@click.option("--force", is_flag=True, help="Bake even when an AMI with the same bake key exists.")
@click.option("--roll", is_flag=True,
              help="Then point the launch template at the AMI and replace the instances (instance refresh).")
@click.option("--keep-instances", is_flag=True, help="With --roll: new launch template version only, no refresh.")
@click.option("--no-prune", is_flag=True, help="Keep every AMI (default: apply image/keep retention after baking).")
@click.option("--timeout", "timeout_minutes", type=click.IntRange(1, 24 * 60), default=int(DEFAULT_TIMEOUT // 60),
              show_default=True, help="Minutes before Packer is cancelled.")
@click.option("--secret-var", "secret_vars", multiple=True, metavar="NAME=ENV",
              help="Give Packer variable NAME the value of environment variable ENV, masked in all output.")
@click.option("--out", default=str(DEFAULT_BUILD_DIR), show_default=True, type=click.Path(file_okay=False),
              help="Directory under which <customer>-<environment>/ is rendered and built.")
@aws_flags
@user_errors
def bake(config: str, commit: str, force: bool, roll: bool, keep_instances: bool, no_prune: bool,
         timeout_minutes: int, secret_vars: tuple[str, ...], out: str) -> None:
    """Bake the config's AMI with Packer, or reuse the one baked from identical input.

    Renders into OUT/<customer>-<environment>/, runs `packer validate` and `packer build` with
    the output streamed (and logged to packer.log there), reads the AMI from Packer's manifest
    and tags it with its provenance (commit, config hash, bake key, base AMI, Packer version,
    build time). VEND_BUILDER picks where: amazon-ebs (EC2) or local (a local build host; the
    default when AWS_ENDPOINT_URL points at the embedded emulator).

    \b
    Example:
      vend bake configs/acme-production.yaml --commit $(git rev-parse --short HEAD) --roll
    """
    if not COMMIT.match(commit):
        raise click.BadParameter(f"{commit!r}: use 1-40 letters, digits, '.', '_' or '-' (a git SHA)",
                                 param_hint="--commit")
    secrets = _secrets(secret_vars)
    masker = Masker.for_run(secrets)
    try:
        bake_config(load_config(config), commit=commit, force=force, roll=roll, keep_instances=keep_instances,
                    prune_after=not no_prune, timeout=timeout_minutes * 60.0, secrets=secrets, out=Path(out))
    except FAILURES as e:
        raise _fail(e, masker) from None


def bake_config(cf, *, commit: str, force: bool, roll: bool, keep_instances: bool, prune_after: bool,
                timeout: float, secrets: dict[str, str], out: Path) -> BakeResult:
    c = cf.config
    settings = BakeSettings.from_env()
    ec2 = clients.client("ec2", region=c.region)
    console = Console(lambda text: click.echo(text, nl=False), tty=sys.stdout.isatty())
    with _target(settings, ec2) as target:
        result = Baker(ec2=ec2, target=target, packer=Packer(settings.packer), console=console, out_dir=out,
                       timeout=timeout, secrets=secrets).bake(cf, commit=commit, force=force)
    autoscaling = clients.client("autoscaling", region=c.region)
    if prune_after:
        prune(ec2, retention_plan(ec2, autoscaling, c), forget=_forget(settings), say=click.echo)
    if roll:
        policy = refresh_policy(c, replace=not keep_instances)
        try:
            rollout = roll_out(ec2, AutoScalingRefresher(autoscaling), template=base(c), group=base(c),
                               ami_id=result.ami.id, replace=policy.replace,
                               min_healthy_percentage=policy.min_healthy_percentage,
                               warmup_seconds=policy.warmup_seconds)
        except RefreshUnsupported as e:
            raise RolloutError(f"{e}: roll with --keep-instances") from None
        click.echo(f"launch template {rollout.version.template} version {rollout.version.version} "
                   f"uses {result.ami.id} (was {rollout.version.previous_ami or 'none'})")
        click.echo(f"instance refresh {rollout.refresh_id} of {base(c)} started "
                   f"(min healthy {policy.min_healthy_percentage}%)" if rollout.refresh_id
                   else f"instances of {base(c)} left alone (--keep-instances)")
    click.echo(f"{'reused' if result.reused else 'baked'} {result.ami.id} for {c.slug}")
    return result


@click.command()
@CONFIG
@click.option("--prune", "do_prune", is_flag=True,
              help="Deregister the AMIs marked retire and delete their snapshots.")
@aws_flags
@user_errors
def images(config: str, do_prune: bool) -> None:
    """List the environment's AMIs, newest first, and what retention keeps or retires.

    Kept: the image/keep newest available AMIs, every AMI a launch template version in use or
    an instance still uses, and AMIs still being created.

    \b
    Example:
      vend images configs/acme-production.yaml --prune
    """
    c = load_config(config).config
    try:
        settings = BakeSettings.from_env()
        ec2 = clients.client("ec2", region=c.region)
        plan = retention_plan(ec2, clients.client("autoscaling", region=c.region), c)
        lines = listing(plan)
        click.echo(f"{c.slug}: {len(lines)} AMIs, keeping {len(plan.keep)} (image/keep {c.image.keep}), "
                   f"retiring {len(plan.retire)}")
        for line in lines:
            click.echo(line)
        if do_prune:
            prune(ec2, plan, forget=_forget(settings), say=click.echo)
    except FAILURES as e:
        raise _fail(e, Masker()) from None


COMMANDS = [bake, images]
