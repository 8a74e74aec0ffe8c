"""`vend doctor CONFIG...`: a preflight that only reads, and says per check ok, what is wrong and the fix."""
from __future__ import annotations

import sys
from collections.abc import Callable

import click
from botocore.exceptions import BotoCoreError, ClientError

from vendor.approvals.settings import Settings, SettingsProblem
from vendor.aws import preflight
from vendor.aws.endpoint import resolve_target
from vendor.aws.stack_ops import context
from vendor.bake import preflight as bake_preflight
from vendor.bake.settings import BakeSettings, SettingsProblem as BakeSettingsProblem
from vendor.cli.errors import user_errors
from vendor.cli.stack import start_emulator
from vendor.config.loader import load_config
from vendor.plan.preflight import Finding, fail, skip, summary, text

FAILED = 1


def _safely(check: str, run: Callable[[], Finding | list[Finding]]) -> list[Finding]:
    """A check that AWS refuses to answer (AccessDenied, ...) is a finding too, not a traceback."""
    try:
        found = run()
    except (ClientError, BotoCoreError) as error:
        reason = (f"{error.operation_name}: {error.response.get('Error', {}).get('Code')}"
                  if isinstance(error, ClientError) else str(error))
        return [fail(check, f"cannot check ({reason})", "allow this read for the credentials vend uses")]
    return found if isinstance(found, list) else [found]


def _mail_sender() -> tuple[str | None, str]:
    """(the SES sender when approvals mail through SES, its region or ''), else (None, '')."""
    try:
        settings = Settings.from_env()
    except SettingsProblem:
        return None, ""
    return (settings.mail_from, settings.ses_region) if settings.mail_transport == "ses" else (None, "")


@click.command()
@click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--profile", help="AWS profile of the standard credential chain.")
@click.option("--region", help="AWS region; default: each config's region.")
@user_errors
def doctor(configs: tuple[str, ...], profile: str | None, region: str | None) -> None:
    """Check an account before the first bake and apply; changes nothing.

    Per check: ok, or what is wrong and the fix. Credentials and account; Packer and its plugins
    for the builder (VEND_BUILDER); the default VPC or image/build/subnet_id; the certificate
    (ISSUED, covering the names); the database's engine version and class; zone coverage; the
    CodeConnections connection; the SES sender; service quotas against what the configs add.
    Exit code 1 when something is to fix.

    \b
    Example:
      vend doctor configs/acme-production.yaml configs/acme-staging.yaml --profile acme
    """
    files = [load_config(path) for path in configs]
    target = resolve_target(profile, start_emulator)
    try:
        builder = BakeSettings.from_env()
    except BakeSettingsProblem as error:
        raise click.ClickException(str(error)) from None
    sender, ses_region = _mail_sender()
    everything: list[Finding] = []
    tool = bake_preflight.packer(builder.packer, builder.builder)
    click.echo(text(f"vend doctor ({target.label}):", [tool]), nl=False)
    everything.append(tool)
    by_region: dict[str, list] = {}
    for cf in files:
        c = cf.config
        ctx = context(target, region or c.region)
        by_region.setdefault(ctx.region, []).append((ctx, c))
        found = _safely("credentials", lambda: preflight.credentials(ctx))
        if found[0].status == "ok":
            for name, check in (("build network", preflight.build_network), ("certificate", preflight.certificate),
                                ("database", preflight.database), ("zones", preflight.zones),
                                ("connection", preflight.connection)):
                found += _safely(name, lambda check=check: check(ctx, c))
            if sender and c.pipeline.require_approval:
                mail = context(target, ses_region or ctx.region)
                found += _safely("ses sender", lambda: preflight.ses_sender(mail, sender))
            else:
                found.append(skip("ses sender", "approvals do not mail through SES (VEND_MAIL_TRANSPORT)"))
        everything += found
        click.echo(text(f"{c.customer}/{c.environment} in {ctx.region}:", found), nl=False)
    for name, pairs in by_region.items():
        ctx = pairs[0][0]
        if any(f.check == "credentials" and f.status == "fail" for f in everything):
            continue
        found = _safely("quotas", lambda: preflight.service_quotas(ctx, [c for _, c in pairs]))
        everything += found
        click.echo(text(f"service quotas in {name} ({len(pairs)} environment(s)):", found), nl=False)
    click.echo(summary(everything))
    if any(f.status == "fail" for f in everything):
        sys.exit(FAILED)


COMMANDS = [doctor]
