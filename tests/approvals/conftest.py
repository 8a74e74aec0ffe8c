"""Fixtures for approvals: a state dir per test, a settable clock, a real web server thread."""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from vendor.approvals.decisions import Decider
from vendor.approvals.gate import Gate
from vendor.approvals.mailer import MaildirMailer
from vendor.approvals.server import BackgroundServer
from vendor.approvals.settings import Settings
from vendor.approvals.store import Store
from vendor.approvals.tokens import Signer
from vendor.approvals.webapp import create_app
from vendor.aws.codepipeline import PipelineApprovals

T0 = 1_700_000_000.0


class Clock:
    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", host="127.0.0.1", port=0)


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store(settings.db_path)


@pytest.fixture
def signer() -> Signer:
    return Signer(b"test-key-" + b"0123456789abcdef" * 2)


@pytest.fixture
def pipeline_stub():
    """A real CodePipeline client whose calls botocore's Stubber checks against the API model."""
    client = boto3.client("codepipeline", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stub:
        yield PipelineApprovals(client), stub
        stub.assert_no_pending_responses()


@pytest.fixture
def gate(store, signer, settings, clock) -> Gate:
    return Gate(store, signer, MaildirMailer(settings.outbox), base_url="http://vend.example/approvals",
                sender="vend@example.com", clock=clock, sleep=lambda s: None)


@pytest.fixture
def decider(store, signer, clock, pipeline_stub) -> Decider:
    return Decider(store, signer, pipeline_stub[0], clock=clock)


@pytest.fixture
def web(store, decider, settings):
    with BackgroundServer(create_app(store, decider), settings) as server:
        yield server


def http(method: str, url: str, form: dict | None = None, headers: dict | None = None):
    """(status, body, headers) of one real HTTP request; 4xx/5xx are answers, not errors."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers
