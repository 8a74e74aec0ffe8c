"""The sandbox's approval pages over real HTTP: links answered by the approvals service's Lambda
handler (through the Function URL event adapter), the pending list by the web app."""
from __future__ import annotations

from pathlib import Path

from tests.approvals.conftest import http
from vendor.approvals import lambda_handler
from vendor.approvals.gate import Gate
from vendor.approvals.mailer import MaildirMailer
from vendor.approvals.model import APPROVED
from vendor.approvals.server import BackgroundServer, app_from_settings
from vendor.approvals.settings import Settings
from vendor.sandbox import approvals_web
from vendor.sandbox.approvals_feed import service_env


def test_a_link_is_answered_by_the_handler_and_decides_once(tmp_path: Path):
    settings = Settings(state_dir=tmp_path / "state", host="127.0.0.1", port=0)
    env = service_env(settings.state_dir, "http://127.0.0.1:1", "127.0.0.1", 25, "", "eu-west-1")
    del env["AWS_ENDPOINT_URL"]
    service = lambda_handler.from_env(env)
    app = approvals_web.create_app(app_from_settings(settings), lambda: service)
    with BackgroundServer(app, settings) as web:
        gate = Gate(service.store, service.signer, MaildirMailer(settings.outbox), base_url=web.url,
                    sender="vend@localhost")
        request = gate.request(customer="acme", environment="production", approvers=["ann@example.com"],
                               timeout=3600)
        approve, _, _ = gate.links(request, "ann@example.com")
        status, body, headers = http("GET", approve)
        assert status == 200 and "Nothing has been decided yet." in body
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert service.store.get(request.id).status == "pending"
        status, body, _ = http("POST", approve, {"decision": "approve", "comment": "ok"})
        assert status == 200 and "acme/production is approved. Thank you." in body
        assert http("POST", approve, {"decision": "approve"})[0] == 409
        assert gate.wait(request.id, timeout=1).status == APPROVED
        status, body, _ = http("GET", web.url + "/")
        assert status == 200 and "Nothing is waiting for approval." in body
