"""The sandbox flow's approval through the approvals service's handler: the local runner's gate
publishes CodePipeline's notification to the topic; the emulator's SNS hands it to the service's
queue; the feed gives it to the Lambda handler (SQLite store, real SMTP); the link's POST decides
once and delivers PutApprovalResult to the emulator; the gate's wait sees the decision."""
from __future__ import annotations

import json
import socket
import urllib.parse

import pytest
from aiosmtpd.controller import Controller

from tests.approvals.test_lambda_handler import links, url_event
from tests.aws.conftest import Cloud
from tests.conftest import moto_url  # noqa: F401 - the shared moto server fixture
from vendor.approvals import keys, outbox, tokens
from vendor.approvals.gate import Gate
from vendor.approvals.mailer import MaildirMailer
from vendor.approvals.model import APPROVED, Summary
from vendor.approvals.settings import Settings
from vendor.approvals.store import Store
from vendor.aws import executor
from vendor.aws.approval_topic import TopicGate
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.plan import approvals_service, policies
from vendor.plan.naming import Facts
from vendor.plan.resources import Ref, Resource
from vendor.sandbox.approvals_feed import Feed

REGION = "ap-southeast-2"  # a region of its own in the shared test emulator
TOPIC = "vend-acme-production-approvals"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def world(moto_url, tmp_path, monkeypatch):  # noqa: F811
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "unset")  # the feed points this process at the emulator; restored after
    cloud = Cloud(moto_url)
    facts = Facts("123456789012", REGION, (), approvals_code="x")
    wanted = approvals_service.service(facts) + [
        Resource("sns topic", TOPIC, {"subscriptions": []}),
        Resource(approvals_service.SUBSCRIPTION, TOPIC, {"topic": Ref("sns topic", TOPIC, "arn"),
                                                         "queue": Ref(approvals_service.QUEUE, "vend-approvals", "arn")})]
    executor.apply(cloud.context(REGION), wanted)
    iam, pipelines = cloud.client("iam", REGION), cloud.client("codepipeline", REGION)
    if "vend-acme-production" not in [p["name"] for p in pipelines.list_pipelines()["pipelines"]]:
        _pipeline(iam, pipelines)
    settings = Settings(state_dir=tmp_path / "state")
    caught = tmp_path / "caught"
    smtp = Controller(outbox.Catcher(caught), hostname="127.0.0.1", port=_free_port())
    smtp.start()
    feed = Feed(settings.state_dir, "http://127.0.0.1:8377", "127.0.0.1", smtp.port)
    store = Store(settings.db_path)
    gate = Gate(store, tokens.Signer(keys.load_key(settings.state_dir, {})), MaildirMailer(settings.outbox),
                base_url="http://127.0.0.1:8377", sender="vend@localhost")
    sns = cloud.client("sns", REGION)
    topic_gate = TopicGate(gate, sns, f"arn:aws:sns:{REGION}:123456789012:{TOPIC}", "vend-acme-production",
                           open_timeout=30, sleep=lambda s: feed.round(moto_url, REGION))
    yield topic_gate, feed, caught, store, moto_url
    smtp.stop()



def _pipeline(iam, pipelines) -> None:
    """The app pipeline vend-acme-production in the pipelines client's region (IAM is global)."""
    try:
        role = iam.get_role(RoleName="vend-feed-test-pipeline")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="vend-feed-test-pipeline", AssumeRolePolicyDocument=json.dumps(
            policies.trust("codepipeline.amazonaws.com", "123456789012")))["Role"]["Arn"]
    pipelines.create_pipeline(pipeline={
        "name": "vend-acme-production", "roleArn": role, "artifactStore": {"type": "S3", "location": "bucket"},
        "stages": [{"name": "Source", "actions": [{"name": "S", "actionTypeId": {
            "category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}, "configuration": {}}]},
            {"name": "Approve", "actions": [{"name": "Approve", "actionTypeId": {
                "category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}]}]})


def test_the_runners_approval_goes_through_the_handler_and_is_decided_once(world):
    topic_gate, feed, caught, store, url = world
    request = topic_gate.request(customer="acme", environment="production",
                                 approvers=["ann@example.com", "bob@example.com"], timeout=3600,
                                 summary=Summary(revision="3f2a9c1d7e4b", commit="9f86d081884c",
                                                 changes=("Shop version 1",)))
    assert (request.pipeline.pipeline, request.pipeline.region) == ("vend-acme-production", REGION)
    assert sorted(e.to for e in outbox.entries(caught)) == ["ann@example.com", "bob@example.com"]
    text = outbox.text_of(outbox.read(caught, outbox.entries(caught)[0].key))
    assert "  Revision:     3f2a9c1d7e4b\n  Commit:       9f86d081884c\n" in text and "  - Shop version 1\n" in text
    approve, _ = links(caught, "bob@example.com")
    assert approve.startswith("http://127.0.0.1:8377/r/")
    service = feed._services[(url, REGION)][1]
    link = urllib.parse.urlsplit(approve).path
    assert service(url_event("GET", link))["statusCode"] == 200
    assert store.get(request.id).status == "pending"
    assert service(url_event("POST", link, {"decision": "approve"}))["statusCode"] == 200
    assert service(url_event("POST", link, {"decision": "approve"}))["statusCode"] == 409
    decision = topic_gate.wait(request.id, timeout=5, poll=0.01)
    assert (decision.status, decision.by) == (APPROVED, "bob@example.com")

    from moto.codepipeline.models import codepipeline_backends
    results = codepipeline_backends["123456789012"][REGION].approval_results
    assert results == {request.pipeline.token: {
        "pipelineName": "vend-acme-production", "stageName": "Approve", "actionName": "Approve",
        "status": "Approved", "summary": "Approved by bob@example.com via vend web from 203.0.113.9"}}
    assert feed.round(url, REGION) == 0  # the queue is empty: the notification was taken once


def test_a_notification_for_another_accounts_topic_is_refused_and_dropped(world):
    topic_gate, feed, caught, store, url = world
    feed.round(url, REGION)
    sqs, service, queue_url, queue_arn = feed._services[(url, REGION)]
    body = json.dumps({"Type": "Notification", "TopicArn": "arn:aws:sns:ap-southeast-2:999999999999:vend-x-approvals",
                       "Message": "{}"})
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    assert feed.round(url, REGION) == 1  # taken (refused, never retried)
    assert store.list() == [] and outbox.entries(caught) == []
