"""`vend approvals`: list, show, approve/reject at a terminal, the outbox, the web server, and
the AWS triggers (an SNS approval notification, or a poll of the pipeline state)."""
from __future__ import annotations

import getpass
import socket
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from vendor.approvals import decisions, keys, outbox as outbox_, server, sns
from vendor.approvals.gate import DEFAULT_TIMEOUT, Gate
from vendor.approvals.mailer import MailError
from vendor.approvals.model import PENDING, ApprovalRequest, PipelineRef, Summary, iso
from vendor.approvals.settings import Settings, SettingsProblem
from vendor.approvals.store import Store, StoreError
from vendor.aws.codepipeline import PipelineApprovals, PipelineError
from vendor.cli.aws_flags import aws_flags
from vendor.cli.printable import printable

USER_ERROR = 2
REFUSED = 1


def _fail(message: str, code: int = USER_ERROR):
    click.echo(f"vend approvals: {printable(message)}", err=True)
    sys.exit(code)


def _echo(line: str) -> None:
    """One line of output; what others wrote (comments, names) cannot drive the terminal."""
    click.echo(printable(line))


class _Approvals(click.Group):
    """Problems a person must fix in the state or the settings end the command with one line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (StoreError, SettingsProblem) as e:
            _fail(str(e))


@click.group("approvals", cls=_Approvals)
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where approvals are kept (default: $VEND_STATE_DIR or ~/.local/state/vend).")
@click.pass_context
@aws_flags
def approvals(ctx: click.Context, state_dir: Path | None) -> None:
    """Release approvals: decide from the email link, the web page, or here.

    \b
    Example:
      vend approvals list
      vend approvals approve 3f2a9c -m "checked the staging run"
    """
    try:
        settings = Settings.from_env()
    except SettingsProblem as e:
        _fail(str(e))
    ctx.obj = replace(settings, state_dir=state_dir) if state_dir else settings


def _store(settings: Settings) -> Store:
    return Store(settings.db_path)


def _line(r: ApprovalRequest) -> str:
    what = r.summary.revision or r.summary.commit[:12] or r.summary.ami or "-"
    state = r.status if not r.decision else f"{r.status} by {r.decision.by}"
    return f"{r.id}  {r.customer}/{r.environment}  {what}  {state}  expires {iso(r.expires_at)}"


@approvals.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include decided and expired requests.")
@click.pass_obj
def list_(settings: Settings, show_all: bool) -> None:
    """List pending approval requests.

    \b
    Example:
      vend approvals list --all
    """
    store = _store(settings)
    found = store.list() if show_all else store.pending(time.time())
    for r in found:
        _echo(_line(r))
    if not found:
        click.echo("no approval requests" if show_all else "nothing is waiting for approval")


@approvals.command()
@click.argument("request_id")
@click.pass_obj
def show(settings: Settings, request_id: str) -> None:
    """Show one approval request and its decision.

    \b
    Example:
      vend approvals show 3f2a9c
    """
    r = _store(settings).get(request_id)
    if r is None:
        _fail(f"no approval request {request_id!r} (see: vend approvals list --all)")
    s = r.summary
    rows = [("request", r.id), ("customer", r.customer), ("environment", r.environment),
            ("revision", s.revision), ("commit", s.commit), ("ami", s.ami), ("decides", r.where),
            ("approvers", ", ".join(r.approvers)), ("created", iso(r.created_at)),
            ("expires", iso(r.expires_at)), ("status", r.status)]
    if r.decision:
        d = r.decision
        rows += [("decided by", d.by), ("decided at", iso(d.at)), ("from", f"{d.source} ({d.via})"),
                 ("comment", d.comment)]
    for key, value in rows:
        if value:
            _echo(f"{key + ':':<13}{value}")
    for change in s.changes:
        _echo(f"  - {change}")


def _decide(settings: Settings, request_id: str, approved: bool, comment: str, by: str) -> None:
    store = _store(settings)
    decider = decisions.Decider(store, None, PipelineApprovals())
    try:
        d = decider.decide(request_id, approved, by=by, source=f"cli on {socket.gethostname()}",
                           comment=comment)
    except decisions.DecisionRefused as e:
        _fail(str(e), USER_ERROR if e.outcome.kind == decisions.UNKNOWN else REFUSED)
    _echo(f"{request_id} {d.status} by {d.by}")


_comment = click.option("--comment", "-m", default="", help="Recorded with the decision.")
_by = click.option("--by", default=getpass.getuser, show_default="your login name",
                   help="Who decides (recorded).")


@approvals.command()
@click.argument("request_id")
@_comment
@_by
@click.pass_obj
def approve(settings: Settings, request_id: str, comment: str, by: str) -> None:
    """Approve REQUEST_ID (releases the gate / puts Approved to CodePipeline).

    \b
    Example:
      vend approvals approve 3f2a9c --by ops@acme.example -m "release notes checked"
    """
    _decide(settings, request_id, True, comment, by)


@approvals.command()
@click.argument("request_id")
@_comment
@_by
@click.pass_obj
def reject(settings: Settings, request_id: str, comment: str, by: str) -> None:
    """Reject REQUEST_ID.

    \b
    Example:
      vend approvals reject 3f2a9c --by ops@acme.example -m "failing smoke test"
    """
    _decide(settings, request_id, False, comment, by)


@approvals.command()
@click.argument("key", required=False)
@click.pass_obj
def outbox(settings: Settings, key: str | None) -> None:
    """List the mail caught in the local outbox, or print message KEY.

    \b
    Example:
      vend approvals outbox
      vend approvals outbox 1764060000.M1P2.host
    """
    if key:
        try:
            for line in outbox_.text_of(outbox_.read(settings.outbox, key)).splitlines():
                _echo(line)
        except KeyError as e:
            _fail(str(e.args[0]))
        return
    found = outbox_.entries(settings.outbox)
    for e in found:
        _echo(f"{e.key}  {e.date}  {e.to}  {e.subject}")
    if not found:
        click.echo(f"the outbox {settings.outbox} is empty")


@approvals.command()
@click.option("--bind", help="HOST:PORT to listen on (default: $VEND_APPROVALS_BIND or 127.0.0.1:8377).")
@click.option("--public-url", help="Base URL people reach the app at, e.g. behind a proxy.")
@click.option("--forwarded-allow-ips",
              help="Proxies whose X-Forwarded-* headers are trusted (default none: the peer's address is recorded).")
@click.pass_obj
def serve(settings: Settings, bind: str | None, public_url: str | None,
          forwarded_allow_ips: str | None) -> None:
    """Serve the approval pages (confirmation, result, pending list).

    \b
    Example:
      vend approvals serve --bind 127.0.0.1:8377 --public-url https://approvals.example.com
    """
    try:
        if bind:
            settings = settings.with_bind(bind)
        settings = replace(settings, public_url=public_url or settings.public_url,
                           forwarded_allow_ips=forwarded_allow_ips or settings.forwarded_allow_ips)
        links = settings.base_url
        app = server.app_from_settings(settings)  # the key and the store are checked before serving
    except (SettingsProblem, keys.KeyProblem) as e:
        _fail(str(e))
    click.echo(f"vend approvals: serving on http://{settings.host}:{settings.port} (links point at {links})", err=True)
    server.serve(settings, app=app)


def _summary_options(func):
    for option in reversed([
        click.option("--customer", help="Customer (default: from the notification's customData)."),
        click.option("--environment", help="Environment (default: from customData)."),
        click.option("--approver", "approvers", multiple=True, help="Approver email (repeat)."),
        click.option("--revision", default="", help="Revision being released."),
        click.option("--commit", default="", help="Commit being released."),
        click.option("--ami", default="", help="AMI being released."),
        click.option("--change", "changes", multiple=True, help="A change since the last release (repeat)."),
    ]):
        func = option(func)
    return func


def _open(settings: Settings, pipeline: PipelineRef, expires_at: float, custom: dict | None,
          customer, environment, approvers, revision, commit, ami, changes, details_url="") -> None:
    custom = custom or {}
    customer = customer or custom.get("customer")
    environment = environment or custom.get("environment")
    approvers = list(approvers) or list(custom.get("approvers") or [])
    if not (customer and environment and approvers):
        _fail("need --customer, --environment and at least one --approver (or them in customData)")
    for r in _store(settings).list(status=PENDING):
        if r.pipeline and r.pipeline.token == pipeline.token:
            _echo(f"{r.id} already open for this approval")
            return
    summary = Summary(revision, commit, ami, tuple(changes), details_url)
    try:
        r = Gate.from_settings(settings).request(customer=customer, environment=environment,
                                                 approvers=approvers, summary=summary,
                                                 expires_at=expires_at, pipeline=pipeline)
    except (ValueError, MailError, keys.KeyProblem) as e:
        _fail(str(e))
    _echo(f"{r.id} opened; mailed {', '.join(r.approvers)}")


@approvals.command()
@click.argument("notification", type=click.File("r"))
@_summary_options
@click.pass_obj
def notify(settings: Settings, notification, **options) -> None:
    """Open a request from CodePipeline's approval notification (SNS message JSON; - for stdin).

    \b
    Example:
      vend approvals notify sns-message.json
    """
    try:
        n = sns.parse(notification.read())
    except sns.NotificationProblem as e:
        _fail(f"{notification.name}: {e}")
    _open(settings, n.pipeline, n.expires_at, n.custom, details_url=n.console_link, **options)


@approvals.command()
@click.argument("pipeline")
@click.option("--stage", required=True, help="Stage holding the approval action.")
@click.option("--action", required=True, help="The manual approval action.")
@_summary_options
@click.pass_obj
def poll(settings: Settings, pipeline: str, stage: str, action: str, **options) -> None:
    """Open a request if PIPELINE's approval action is waiting (reads the pipeline state).

    \b
    Example:
      vend approvals poll vend-acme-production --stage Approve --action Approve
    """
    try:
        waiting = [p for p in PipelineApprovals().pending(pipeline) if (p.stage, p.action) == (stage, action)]
    except PipelineError as e:
        _fail(f"cannot read the state of pipeline {pipeline}: {e}")
    if not waiting:
        click.echo(f"{pipeline}/{stage}/{action} is not waiting for approval")
        return
    p = waiting[0]
    since = p.since.timestamp() if p.since else time.time()
    _open(settings, PipelineRef(pipeline, stage, action, p.token), since + DEFAULT_TIMEOUT, None, **options)
