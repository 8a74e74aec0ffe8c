"""`vend up` and `vend down`: one customer environment in the embedded sandbox, start to end.

up: AWS emulator -> certificate stand-ins -> local bake -> stack apply -> one local SSH host per
InService instance (booted from the baked image) -> the sandbox services (front door, approval
pages, mail catcher). Every step converges: a second `vend up` reuses what is there.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import click

from vendor.aws import clients, executor, stand_ins
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.aws.fleet import fleet
from vendor.aws.observe import zones
from vendor.aws.stack_ops import Target, context
from vendor.bake.baker import DEFAULT_TIMEOUT
from vendor.bake.layers import LayerStore
from vendor.cli.bake import COMMIT, FAILURES, bake_config
from vendor.cli.deploy import engine_for
from vendor.deploy.engines import EngineError
from vendor.cli.errors import user_errors
from vendor.cli.stack import _progress, apply_stack, open_stack, stack_errors
from vendor.config.loader import ConfigFile, load_config
from vendor.config.names import base
from vendor.paths import DEFAULT_BUILD_DIR
from vendor.plan.stack import dedicated
from vendor.sandbox import emulator, environments, services
from vendor.sandbox import database as sandbox_database
from vendor.cli.up_database import start_database
from vendor.sandbox.certificates import self_signed
from vendor.sandbox.hosts import missing_requirements
from vendor.sandbox.stand_ins import hosts_up, tear_down
from vendor.state import default_state_dir

CONFIG = click.argument("config", type=click.Path(dir_okay=False))
STEPS = 6
SHARED_CERT_DOMAIN = "sandbox.vend.invalid"


def _step(n: int, text: str) -> None:
    click.echo(click.style(f"[{n}/{STEPS}] {text}", bold=True))


def _use_emulator(url: str) -> Target:
    """This process talks to the emulator alone, whatever credentials the machine has."""
    key, secret = DUMMY_CREDENTIALS
    os.environ.update({"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret})
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ["VEND_BUILDER"] = "local"
    return Target(endpoint_url=url, credentials=DUMMY_CREDENTIALS, label=f"embedded AWS emulator at {url}")


def _commit(cf: ConfigFile) -> str:
    found = subprocess.run(["git", "-C", str(cf.base_dir), "rev-parse", "--short=12", "HEAD"],
                           capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 and COMMIT.match(found.stdout.strip()) else "uncommitted"


def _stand_ins(cf: ConfigFile, ctx) -> None:
    """What the config says the customer already has: their network, their certificate."""
    c = cf.config
    if c.network.vpc_id:
        created = stand_ins.network_at(ctx.client("ec2"), c.network.vpc_id,
                                       [*c.network.public_subnet_ids, *c.network.private_subnet_ids], zones(ctx))
        click.echo(f"  network {c.network.vpc_id}: {'stand-ins created for ' + ', '.join(created) if created else 'present'}")
    if dedicated(c) and c.routing.certificate_arn:
        imported = stand_ins.certificate_at(ctx.client("acm"), c.routing.certificate_arn, self_signed(c.routing.domain))
        click.echo(f"  certificate {c.routing.certificate_arn}: {'self-signed stand-in imported' if imported else 'present'}")
    elif not dedicated(c):
        arn, imported = stand_ins.shared_certificate_for(ctx, self_signed(SHARED_CERT_DOMAIN))
        click.echo(f"  shared load balancer certificate {arn}: {'self-signed, imported' if imported else 'present'}")


def _instances(cf: ConfigFile) -> list[str]:
    c = cf.config
    found = fleet(clients.client("autoscaling", region=c.region), clients.client("ec2", region=c.region), base(c),
                  user="root", key_path=Path("/dev/null"))
    return sorted(found.instance_ids.values())


def _redeploy(cf: ConfigFile) -> None:
    """New hosts get the last good revision, as CodeDeploy does for instances an ASG launches:
    through the deployment engine (the sandbox's hosts: vend's agent over SSH; on AWS: CodeDeploy)."""
    try:
        ok = engine_for(cf, None, "auto").redeploy_last_good(lambda line: click.echo(f"  {line}"))
    except EngineError as e:
        raise click.ClickException(str(e))
    if ok is False:
        raise SystemExit(1)


def _summary(cf: ConfigFile, running: emulator.Emulator, svc: services.Services, env, seconds: float,
             out: Path) -> None:
    c = cf.config
    host = c.routing.hosts[0] if c.routing.hosts else c.routing.domain or "example.com"
    path = cf.path
    click.echo(f"\n{c.customer}/{c.environment} is up in the sandbox ({seconds:.1f}s):")
    rows = [("front door", svc.front_door, f"curl -H 'Host: {host}' {svc.front_door}/"),
            ("approvals", svc.web + "/", "pending requests; the links in the emails lead here"),
            ("outbox", f"smtp://127.0.0.1:{svc.smtp_port}", "caught mail: vend approvals outbox"),
            ("AWS emulator", running.url, "AWS_ENDPOINT_URL for the aws CLI or boto3"),
            *(("host", f"{h['address']}", f"{iid}: ssh -i {h['key_path']} root@{h['address']}")
              for iid, h in sorted(env.hosts.items()))]
    for name, where, what in rows:
        click.echo(f"  {name:<14}{where:<28}{what}")
    app = out / c.slug / "app"
    click.echo("\nNext steps:")
    click.echo(f"  vend push {path} {app}        # the starter app (from appspec_templates/{c.app.stack})")
    if c.pipeline.require_approval:
        click.echo("  vend approvals outbox                 # open the approval link from the email and approve")
    click.echo(f"  curl -H 'Host: {host}' {svc.front_door}/")
    click.echo(f"  vend down {path}")


@click.command()
@CONFIG
@click.option("--commit", help="Commit recorded on the AMI (default: the config repository's HEAD).")
@click.option("--out", default=str(DEFAULT_BUILD_DIR), show_default=True, type=click.Path(file_okay=False),
              help="Directory under which <customer>-<environment>/ is rendered and baked.")
@user_errors
@stack_errors
def up(config: str, commit: str | None, out: str) -> None:
    """Bring a customer environment up in the embedded sandbox, no AWS account needed.

    Starts the AWS emulator (a moto server on 127.0.0.1), bakes the image on a local build
    host, vends the whole stack into the emulator, starts one local SSH host per InService
    instance of the auto-scaling group (booted from the baked image), and the sandbox services:
    the front door (routes like the ALB), the approval pages and the mail catcher. Needs root
    (network namespaces, mounts). Running it again converges.

    \b
    Example:
      sudo vend up configs/acme-production.yaml
    """
    cf, state, started_at = load_config(config), default_state_dir(), time.monotonic()
    problems = missing_requirements()
    if problems:
        raise click.ClickException("vend up needs local hosts: " + "; ".join(problems))
    if commit is not None and not COMMIT.match(commit):
        raise click.BadParameter(f"{commit!r}: use 1-40 letters, digits, '.', '_' or '-' (a git SHA)",
                                 param_hint="--commit")
    _step(1, "AWS emulator")
    running, started = emulator.start(state)
    click.echo(f"  {'started' if started else 'running'} at {running.url}")
    target = _use_emulator(running.url)
    _step(2, "stand-ins for what the customer already has")
    _stand_ins(cf, context(target, cf.config.region))
    _step(3, "image (local bake)")
    try:
        baked = bake_config(cf, commit=commit or _commit(cf), force=False, roll=False, keep_instances=True,
                            prune_after=True, timeout=DEFAULT_TIMEOUT, secrets={}, out=Path(out))
    except FAILURES as e:
        raise click.ClickException(str(e)) from None
    _step(4, "stack")
    apply_stack(cf, target, *open_stack(cf, target))
    _step(5, "hosts")
    ids = _instances(cf)
    env, started = hosts_up(state, cf.config.slug, cf.config.region, ids, baked.ami.id,
                            image_user=cf.config.image.ssh_username)
    click.echo(f"  {len(ids)} local host(s) {'started' if started else 'running'} from {baked.ami.id} "
               f"(prefix {env.prefix}, subnet {env.subnet})")
    start_database(state, cf, env)
    if started:
        _redeploy(cf)
    _step(6, "services")
    svc, started = services.start(state)
    click.echo(f"  {'started' if started else 'running'}: front door, approval pages, mail catcher (pid {svc.pid})")
    _summary(cf, running, svc, env, time.monotonic() - started_at, Path(out))


@click.command()
@CONFIG
@user_errors
@stack_errors
def down(config: str) -> None:
    """Take a customer environment out of the sandbox: its hosts, and its stack.

    When it was the last environment, the sandbox services and the AWS emulator stop too
    (everything in the emulator is gone) and the local images are removed. Leaves no process,
    network namespace or mount behind.

    \b
    Example:
      vend down configs/acme-production.yaml
    """
    cf, state = load_config(config), default_state_dir()
    env = environments.load(state, cf.config.slug)
    others = [e for e in environments.load_all(state) if e.slug != cf.config.slug]
    running = emulator.status(state)
    if others and running:
        target = _use_emulator(running.url)
        ctx, st = open_stack(cf, target)
        outcome = executor.destroy(ctx, st.resources, progress=_progress)
        click.echo(f"destroyed {outcome.changed} resource(s) of {cf.config.slug} in the emulator")
    if sandbox_database.stop(state, cf.config.slug):
        click.echo(f"stopped the PostgreSQL server of {cf.config.slug} (its data is gone with the emulator's RDS instance)")
    if env:
        tear_down(state, env)
        click.echo(f"stopped {len(env.hosts)} local host(s) of {cf.config.slug}")
    else:
        click.echo(f"{cf.config.slug} is not up in the sandbox")
    if not others:
        stop_sandbox(state)


def stop_sandbox(state: Path) -> None:
    """Every environment's hosts, the services, the emulator and the local images."""
    for server in sandbox_database.load_all(state):
        sandbox_database.stop(state, server.slug)
        click.echo(f"stopped the PostgreSQL server of {server.slug}")
    for env in environments.load_all(state):
        tear_down(state, env)
        click.echo(f"stopped {len(env.hosts)} local host(s) of {env.slug}")
    for what, stop in (("sandbox services", services.stop), ("AWS emulator", emulator.stop)):
        stopped = stop(state)
        if stopped:
            click.echo(f"stopped the {what} (pid {stopped.pid})")
    layers = LayerStore(state)
    for ami_id in layers.ids():
        layers.remove(ami_id)


COMMANDS = [up, down]
