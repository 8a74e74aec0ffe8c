"""Stack commands: plan, apply, destroy, status of one customer environment in AWS.

AWS is the state: every command reads the environment's resources by tag or deterministic name.
"""
from __future__ import annotations

import functools
import os
import sys
import time

import click
from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import executor, fleet_run, preflight
from vendor.aws.base import StackError
from vendor.aws.calls import CallCounter
from vendor.aws.endpoint import resolve_target
from vendor.aws.listener_rules import ListenerRulesError
from vendor.aws.observe import observe
from vendor.aws.stack_ops import context, load_stack
from vendor.cli import fleet_cmd
from vendor.cli.errors import user_errors
from vendor.config.loader import load_config
from vendor.plan import render_plan
from vendor.plan.approvals_service import IDENTITY as SES_IDENTITY
from vendor.plan.diff import plan_apply, plan_destroy
from vendor.plan.priority import PriorityPlanError
from vendor.plan.render_plan import SYMBOLS
from vendor.sandbox import database as sandbox_database
from vendor.sandbox import emulator
from vendor.state import default_state_dir

FAILED = 1
CONFIG = click.argument("config", type=click.Path(dir_okay=False))
CONFIGS = click.argument("configs", nargs=-1, required=True, metavar="CONFIG...")
JOBS = click.option("--jobs", type=click.IntRange(1, 256), default=fleet_run.DEFAULT_JOBS, show_default=True,
                    help="With many configs: how many environments are read at once.")


def aws_options(func):
    func = click.option("--shared-certificate", metavar="ARN",
                        help="ACM certificate for the HTTPS listener of a shared ALB vend has to create.")(func)
    func = click.option("--region", help="AWS region; default: the config's region.")(func)
    func = click.option("--profile", help="AWS profile of the standard credential chain.")(func)
    return func


def stack_errors(func):
    """AWS refusals and unreachable states: one `error:` line on stderr, exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (StackError, ListenerRulesError, PriorityPlanError) as e:
            click.echo(f"error: {e}", err=True)
        except ClientError as e:
            err = e.response.get("Error", {})
            click.echo(f"error: AWS refused {e.operation_name}: {err.get('Code')}: {err.get('Message')}", err=True)
        except BotoCoreError as e:
            click.echo(f"error: {e} (check --profile/--region or AWS_ENDPOINT_URL)", err=True)
        sys.exit(FAILED)

    return wrapper


def start_emulator() -> str:
    """The embedded AWS emulator's URL, started first if it is not running (for resolve_target)."""
    running, started = emulator.start(default_state_dir())
    if started:
        click.echo(f"started the embedded AWS emulator at {running.url} (stop it with: vend sandbox stop)", err=True)
    return running.url


def _open(config: str, profile: str | None, region: str | None, shared_certificate: str | None):
    cf = load_config(config)
    target = resolve_target(profile, start_emulator)
    return (cf, target, *open_stack(cf, target, region, shared_certificate))


def open_stack(cf, target, region: str | None = None, shared_certificate: str | None = None):
    """(AWS context counting calls, the stack wanted for the config) in `target`."""
    ctx = context(target, region or cf.config.region, CallCounter())
    return ctx, load_stack(ctx, cf, shared_certificate=shared_certificate)


def _title(verb: str, cf, target, ctx) -> str:
    return f"{verb} {cf.config.customer}/{cf.config.environment} in {ctx.region} ({target.label}):"


@click.command()
@CONFIGS
@aws_options
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Also list unchanged resources.")
@JOBS
@user_errors
@stack_errors
def plan(configs, profile, region, shared_certificate, output, show_all, jobs) -> None:
    """Show what apply would create, change or delete, per resource. Changes nothing.

    Given several configs (paths, a directory of .yaml configs, or a glob), plans them all,
    `--jobs` at a time, and shows one fleet report: each environment ok, drifted (what),
    missing or error (why); exit status 1 when any environment is in error.

    \b
    Examples:
      vend plan configs/acme-production.yaml --output json
      vend plan configs/ --jobs 32
    """
    if fleet_cmd.is_fleet(configs):
        fleet_cmd.report("Plan for", configs, profile, region, shared_certificate, output, jobs, start_emulator)
        return
    config = configs[0]
    cf, target, ctx, st = _open(config, profile, region, shared_certificate)
    steps = plan_apply(st.resources, observe(ctx, st.resources))
    if output == "json":
        click.echo(render_plan.as_json(steps, environment=cf.config.slug, region=ctx.region), nl=False)
        return
    click.echo(render_plan.text(steps, title=_title("Plan for", cf, target, ctx), show_unchanged=show_all), nl=False)
    if st.facts.ami_id is None:
        click.echo("note: no AMI is baked for this environment yet; apply needs one (vend bake)")
    _ses_note(ctx, st)


def _ses_note(ctx, st) -> None:
    """The approvals service mails through SES: say when its sender or SES itself is not ready
    (vend doctor's check; the emulator is not asked)."""
    if ctx.endpoint_url or not any(r.kind == SES_IDENTITY and r.present for r in st.resources):
        return
    found = preflight.ses_sender(ctx, st.facts.approvals_sender)
    if found.status == "fail":
        click.echo(f"note: approval mail: {found.detail}; {found.fix}")


def _progress(step, phase: str) -> None:
    if phase == "start":
        click.echo(f"  {SYMBOLS[step.action]} {step.action} {step.key} ...")
    else:
        click.echo(f"    done{f' ({step.id})' if step.id else ''}")


@click.command()
@CONFIG
@aws_options
@user_errors
@stack_errors
def apply(config, profile, region, shared_certificate) -> None:
    """Create or update everything the environment needs; delete what it no longer needs.

    Idempotent: a second apply makes no changes. An interrupted apply converges when run again.

    \b
    Example:
      vend apply configs/acme-production.yaml --profile acme
    """
    cf, target, ctx, st = _open(config, profile, region, shared_certificate)
    refuse_over_quota(cf, ctx)
    apply_stack(cf, target, ctx, st)


def refuse_over_quota(cf, ctx) -> None:
    """What would stop apply halfway and `load_stack` does not check yet: a service quota the
    environment would exceed (VpcLimitExceeded, AddressLimitExceeded, ... after half the stack)."""
    over = [f for f in preflight.service_quotas(ctx, [cf.config]) if f.status == "fail"]
    if over:
        raise StackError("; ".join(f"{f.detail} ({f.fix})" for f in over) + "; nothing was changed")


def apply_stack(cf, target, ctx, st) -> executor.Outcome:
    click.echo(_title("Applying", cf, target, ctx))
    outcome = executor.apply(ctx, st.resources, progress=_progress)
    _ses_note(ctx, st)
    n = render_plan.counts(outcome.steps)
    click.echo(f"Apply complete: {n['create']} created, {n['update']} updated, {n['delete']} deleted, "
               f"{n['keep']} unchanged.")
    click.echo(f"AWS API calls: {ctx.counter.total} ({ctx.counter.mutating} mutating)")
    return outcome


@click.command()
@CONFIG
@aws_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@user_errors
@stack_errors
def destroy(config, profile, region, shared_certificate, yes) -> None:
    """Delete every resource of the environment, in dependency order. Shared ALBs stay.

    A production database is deleted after a final snapshot (`<name>-final-<UTC time>`). In the
    sandbox, the environment's PostgreSQL server goes by the same rule: production keeps a dump
    (`<state dir>/sandbox-databases/snapshots/<name>-final-<UTC time>.sql`), elsewhere the data goes.

    \b
    Example:
      vend destroy configs/acme-staging.yaml --yes
    """
    cf, target, ctx, st = _open(config, profile, region, shared_certificate)
    planned = plan_destroy(st.resources, observe(ctx, st.resources))
    steps = [s for s in planned if s.action == "delete"]
    if not steps:
        click.echo(f"Nothing to destroy for {cf.config.slug} in {ctx.region}.")
        _sandbox_database(cf, target, st.resources)  # a re-run after the stack went: the server goes too
        return
    shown = [s for s in planned if s.action == "delete" or render_plan.kept_for_a_reason(s)]
    click.echo(render_plan.text(shown, title=_title("Destroy", cf, target, ctx)), nl=False)
    if not yes and not click.confirm(f"Delete these {len(steps)} resources?", default=False):
        click.echo("Nothing deleted.")
        sys.exit(FAILED)
    outcome = executor.destroy(ctx, st.resources, progress=_progress)
    click.echo(f"Destroy complete: {outcome.changed} deleted.")
    _sandbox_database(cf, target, st.resources)
    click.echo(f"AWS API calls: {ctx.counter.total} ({ctx.counter.mutating} mutating)")


def _sandbox_database(cf, target, resources) -> None:
    """The environment's sandbox PostgreSQL server (vend up) goes with the emulator's RDS instance,
    by RDS's rule: a dump where RDS keeps a final snapshot, its data deleted otherwise."""
    state, slug = default_state_dir(), cf.config.slug
    running = emulator.status(state)
    endpoint = target.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or ""  # the sandbox's emulator?
    if running is None or endpoint.rstrip("/") != running.url.rstrip("/") or sandbox_database.load(state, slug) is None:
        return
    db = next((r for r in resources if r.kind == "database"), None)
    final = db is None or db.props.get("final_snapshot", True)  # as the RDS handler decides
    name = cf.config.database.name if cf.config.database else None
    snapshot = f"{db.name if db else slug}-final-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}" if final and name else None
    try:
        _, kept = sandbox_database.destroy(state, slug, name or "", final_snapshot=snapshot)
    except sandbox_database.DatabaseServerError as e:
        raise click.ClickException(f"sandbox PostgreSQL of {slug}: {e}") from None
    if kept:
        click.echo(f"Sandbox PostgreSQL of {slug} stopped; database {name} kept as a dump at {kept} "
                   "(where RDS keeps the final snapshot)")
    else:
        click.echo(f"Sandbox PostgreSQL of {slug} stopped and its data deleted "
                   "(RDS keeps no final snapshot outside production)")


STATES = {"keep": "ok", "create": "missing", "update": "differs", "blocked": "differs", "delete": "unwanted"}


@click.command()
@CONFIGS
@aws_options
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@JOBS
@user_errors
@stack_errors
def status(configs, profile, region, shared_certificate, output, jobs) -> None:
    """Show each resource of the environment: ok, missing, differs (from the config) or unwanted.

    Given several configs (paths, a directory or a glob): one fleet report, as `vend plan` gives.

    \b
    Examples:
      vend status configs/acme-staging.yaml
      vend status 'configs/*-staging.yaml' --output json
    """
    if fleet_cmd.is_fleet(configs):
        fleet_cmd.report("Status of", configs, profile, region, shared_certificate, output, jobs, start_emulator)
        return
    config = configs[0]
    cf, target, ctx, st = _open(config, profile, region, shared_certificate)
    found = observe(ctx, st.resources)
    steps = plan_apply(st.resources, found)
    if output == "json":
        click.echo(render_plan.as_json(steps, environment=cf.config.slug, region=ctx.region), nl=False)
        return
    click.echo(_title("Status of", cf, target, ctx))
    for s in steps:
        click.echo(f"  {STATES[s.action]:<9} {s.key}{f' ({s.id})' if s.id else ''}")
    for key, observed in found.items():
        if observed is not None and key.startswith("load balancer ") and "dns" in observed.attrs:
            click.echo(f"endpoint: {key[len('load balancer '):]} {observed.attrs['dns']}")
        if observed is not None and key.startswith("listener rule "):
            click.echo(f"rule: priority {observed.attrs['priority']} on {observed.attrs['load_balancer']}")
        if observed is not None and key.startswith("metric alarm "):
            click.echo(f"alarm: {key[len('metric alarm '):]} {observed.attrs['state']}{_watching(observed.props)}")


def _watching(props) -> str:
    """What an alarm watches, by name: ` (load balancer L, target group T)` or ` (database D)`."""
    dims = props.get("dimensions") or {}
    names = {"LoadBalancer": "load balancer", "TargetGroup": "target group", "DBInstanceIdentifier": "database"}
    shown = [f"{names.get(k, k)} {_name_of(str(v))}" for k, v in sorted(dims.items())]
    return f" ({', '.join(shown)})" if shown else ""


def _name_of(value: str) -> str:
    """A load balancer's or target group's name from its ARN or CloudWatch form (app/N/id, targetgroup/N/id)."""
    tail = value.split(":loadbalancer/", 1)[-1].split(":targetgroup/", 1)[-1]
    if ":targetgroup/" in value:
        return tail.split("/")[0]
    parts = tail.split("/")
    return parts[1] if len(parts) == 3 and parts[0] in ("app", "net", "targetgroup") else tail


COMMANDS = [plan, apply, destroy, status]
