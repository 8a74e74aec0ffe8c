"""The whole path: gate -> real SMTP -> link in the mail -> real browser -> Approve -> gate released
and CodePipeline's PutApprovalResult called with the approval's token (checked by Stubber)."""
from __future__ import annotations

import re
import shutil
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from botocore.stub import ANY

from vendor.approvals import outbox
from vendor.approvals.decisions import Decider
from vendor.approvals.gate import Gate
from vendor.approvals.mailer import SmtpMailer
from vendor.approvals.model import APPROVED, PENDING, PipelineRef, Summary
from vendor.approvals.server import BackgroundServer
from vendor.approvals.webapp import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium (scripts/setup)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    controller = Controller(outbox.Catcher(settings.outbox), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller
    controller.stop()


def test_approve_from_the_email_in_a_real_browser(settings, store, signer, smtp, pipeline_stub):
    pipelines, stub = pipeline_stub
    decider = Decider(store, signer, pipelines)
    with BackgroundServer(create_app(store, decider), settings) as web:
        gate = Gate(store, signer, SmtpMailer("127.0.0.1", smtp.port), base_url=web.url,
                    sender="vend@example.com")
        request = gate.request(
            customer="acme", environment="production", approvers=["ann@example.com"], timeout=3600,
            summary=Summary("r42", "9f86d081884c7d65", "ami-0123456789abcdef0",
                            ("Fix login redirect", "Bump PHP to 8.2")),
            pipeline=PipelineRef("acme-production", "Release", "Approve", "4b7d1c2e-approval-token"))

        [mail] = outbox.entries(settings.outbox)
        assert (mail.to, mail.request_id) == ("ann@example.com", request.id)
        text = outbox.text_of(outbox.read(settings.outbox, mail.key))
        approve_url = re.search(r"^Approve: (\S+)$", text, re.M).group(1)
        assert approve_url.startswith(web.url + "/r/")

        stub.add_response("put_approval_result", {"approvedAt": datetime.now(timezone.utc)}, {
            "pipelineName": "acme-production", "stageName": "Release", "actionName": "Approve",
            "token": "4b7d1c2e-approval-token", "result": {"status": "Approved", "summary": ANY}})
        released = []
        waiter = threading.Thread(target=lambda: released.append(gate.wait(request.id, timeout=120, poll=0.05)))
        waiter.start()

        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 900, "height": 900})
                page.goto(approve_url)
                assert page.title() == "Approve acme/production? - vend approvals"
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / "approval-confirm.png"), full_page=True)
                assert store.get(request.id).status == PENDING  # opening the link decided nothing
                page.fill("textarea[name=comment]", "Looks good; ship it.")
                page.click("button[value=approve]")
                page.wait_for_selector("text=Decision recorded")
                assert "acme/production is approved" in page.inner_text("body")
                page.screenshot(path=str(SCREENSHOTS / "approval-result.png"), full_page=True)
            finally:
                browser.close()

        waiter.join(120)  # returns as soon as the decision is recorded; 120 s bounds a slow browser start
    [decision] = released
    assert (decision.status, decision.by, decision.via, decision.source, decision.comment) == (
        APPROVED, "ann@example.com", "web", "127.0.0.1", "Looks good; ship it.")
    assert (SCREENSHOTS / "approval-confirm.png").stat().st_size > 1000
