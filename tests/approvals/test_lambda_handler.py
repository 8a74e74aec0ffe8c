"""The approvals service's Lambda handler, invoked directly with SQS/SNS and Function URL events:
DynamoDB and Secrets Manager on the moto server, mail over real SMTP, PutApprovalResult checked
by botocore's Stubber on a client of the pipeline's own region."""
from __future__ import annotations

import base64
import json
import socket
import urllib.parse

import boto3
import pytest
from aiosmtpd.controller import Controller
from botocore.stub import Stubber

from tests.approvals.test_dynamo_store import make_table
from tests.conftest import moto_url  # noqa: F401 - the shared moto server fixture
from vendor.approvals import lambda_handler, outbox
from vendor.approvals.model import APPROVED, PENDING
from vendor.aws.codepipeline import PipelineApprovals

TOPIC = "arn:aws:sns:eu-west-1:123456789012:vend-acme-production-approvals"
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:vend-approvals"
PUBLIC = "https://abcdefghijklmnop.lambda-url.eu-west-1.on.aws/"
TOKEN = "4b7d1c2e-0000-4000-8000-approvaltoken"
ACCOUNT_TOPICS = "arn:aws:sns:*:123456789012:vend-*-approvals"


def notification(region="eu-west-1", custom=None, **approval) -> str:
    custom = {"customer": "acme", "environment": "production", "approvers": ["ann@example.com", "bob@example.com"]} \
        if custom is None else custom
    return json.dumps({"region": region, "consoleLink": "https://console.aws.amazon.com/codesuite/...",
                       "approval": {"pipelineName": "vend-acme-production", "stageName": "Approve",
                                    "actionName": "Approve", "token": TOKEN, "expires": "2099-01-08T10:00Z",
                                    "customData": json.dumps(custom), **approval}})


def envelope(message: str, topic=TOPIC) -> dict:
    return {"Type": "Notification", "MessageId": "m-1", "TopicArn": topic, "Subject": "APPROVAL NEEDED",
            "Message": message, "Timestamp": "2099-01-01T10:00:00.000Z", "SignatureVersion": "1"}


def sqs_event(*bodies, source=QUEUE) -> dict:
    return {"Records": [{"messageId": f"msg-{i}", "eventSource": "aws:sqs", "eventSourceARN": source,
                         "body": body if isinstance(body, str) else json.dumps(body)} for i, body in enumerate(bodies)]}


def url_event(method: str, path: str, form: dict | None = None, base64_body=False) -> dict:
    body = urllib.parse.urlencode(form) if form is not None else None
    event = {"version": "2.0", "rawPath": path, "rawQueryString": "", "headers": {},
             "requestContext": {"http": {"method": method, "path": path, "sourceIp": "203.0.113.9"}},
             "isBase64Encoded": base64_body}
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode() if base64_body else body
    return event


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(tmp_path):
    controller = Controller(outbox.Catcher(tmp_path / "caught"), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, tmp_path / "caught"
    controller.stop()


@pytest.fixture
def aws_env(moto_url, monkeypatch):  # noqa: F811
    for k, v in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    return moto_url


@pytest.fixture
def service(aws_env, smtp, tmp_path, monkeypatch):
    """The service as `from_env` builds it in the function, with a stubbed CodePipeline."""
    dynamodb = boto3.client("dynamodb")
    table = make_table(dynamodb)
    secret = boto3.client("secretsmanager").create_secret(Name=f"vend/approvals/{table}",
                                                          SecretString="k" * 64)["ARN"]
    env = {"VEND_APPROVALS_TABLE": table, "VEND_APPROVALS_KEY_SECRET": secret, "VEND_APPROVALS_TOPICS": ACCOUNT_TOPICS,
           "VEND_APPROVALS_QUEUE_ARN": QUEUE, "VEND_APPROVALS_PUBLIC_URL": PUBLIC, "VEND_MAIL_TRANSPORT": "smtp",
           "VEND_SMTP_HOST": "127.0.0.1", "VEND_SMTP_PORT": str(smtp[0].port), "VEND_MAIL_FROM": "vend@example.com",
           "VEND_STATE_DIR": str(tmp_path / "state"), "AWS_ENDPOINT_URL": aws_env}
    regions = []
    client = boto3.client("codepipeline", region_name="eu-west-1")

    def regional(region):
        regions.append(region)
        return client

    stub = Stubber(client)
    built = lambda_handler.from_env(env, pipelines=PipelineApprovals(regional=regional))
    with stub:
        yield built, stub, smtp[1], regions
        stub.assert_no_pending_responses()


def stub_summary(stub):
    stub.add_response("get_pipeline_state", {"pipelineName": "vend-acme-production", "stageStates": [
        {"stageName": "Build", "latestExecution": {"pipelineExecutionId": "e-1", "status": "Succeeded"}},
        {"stageName": "Approve", "latestExecution": {"pipelineExecutionId": "e-1", "status": "InProgress"}}]},
        {"name": "vend-acme-production"})
    stub.add_response("get_pipeline_execution", {"pipelineExecution": {
        "pipelineName": "vend-acme-production", "pipelineExecutionId": "e-1", "status": "InProgress",
        "artifactRevisions": [{"name": "source", "revisionId": "9f86d081884c7d65", "revisionSummary": "Fix login"}]}},
        {"pipelineName": "vend-acme-production", "pipelineExecutionId": "e-1"})


def links(caught, to: str) -> tuple[str, str]:
    [entry] = [e for e in outbox.entries(caught) if e.to == to]
    text = outbox.text_of(outbox.read(caught, entry.key))
    approve = next(line.split(" ", 1)[1].strip() for line in text.splitlines() if line.startswith("Approve:"))
    reject = next(line.split(" ", 1)[1].strip() for line in text.splitlines() if line.startswith("Reject:"))
    return approve, reject


def test_an_sqs_notification_mails_each_approver_once_with_https_links(service):
    svc, stub, caught, regions = service
    stub_summary(stub)
    answer = svc(sqs_event(envelope(notification())))
    assert answer == {"batchItemFailures": []}
    mails = outbox.entries(caught)
    assert sorted(m.to for m in mails) == ["ann@example.com", "bob@example.com"]
    assert {m.subject for m in mails} == {"Approval needed: acme/production Fix login"}
    text = outbox.text_of(outbox.read(caught, mails[0].key))
    assert "  Commit:       9f86d081884c7d65\n  Build:        Build: Succeeded\n" in text
    approve, reject = links(caught, "ann@example.com")
    assert approve.startswith(PUBLIC + "r/") and reject.startswith(PUBLIC + "r/")
    request = svc.store.get(mails[0].request_id)
    assert (request.status, request.pipeline.region, request.pipeline.token) == (PENDING, "eu-west-1", TOKEN)
    assert regions == ["eu-west-1"]
    # SQS delivers at least once: the same notification again opens and mails nothing
    assert svc(sqs_event(envelope(notification()))) == {"batchItemFailures": []}
    assert len(outbox.entries(caught)) == 2


def test_get_shows_the_page_and_decides_nothing_post_decides_once_in_the_pipelines_region(service):
    svc, stub, caught, regions = service
    stub_summary(stub)
    svc(sqs_event(envelope(notification())))
    approve, _ = links(caught, "ann@example.com")
    path = urllib.parse.urlsplit(approve).path
    for _ in range(3):  # a mail scanner following the link
        page = svc(url_event("GET", path))
        assert page["statusCode"] == 200 and "Nothing has been decided yet." in page["body"]
        assert page["headers"]["Cache-Control"] == "no-store"
    request_id = outbox.entries(caught)[0].request_id
    assert svc.store.get(request_id).status == PENDING
    stub.add_response("put_approval_result", {"approvedAt": "2099-01-01T10:05:00Z"}, {
        "pipelineName": "vend-acme-production", "stageName": "Approve", "actionName": "Approve", "token": TOKEN,
        "result": {"status": "Approved", "summary": "Approved by ann@example.com via vend web from 203.0.113.9: ship it"}})
    done = svc(url_event("POST", path, {"decision": "approve", "comment": "ship it"}, base64_body=True))
    assert done["statusCode"] == 200 and "acme/production is approved. Thank you." in done["body"]
    assert svc.store.get(request_id).status == APPROVED
    assert regions == ["eu-west-1"]
    replay = svc(url_event("POST", path, {"decision": "approve"}))
    assert replay["statusCode"] == 409 and "This link was already used" in replay["body"]
    _, bob_reject = links(caught, "bob@example.com")
    late = svc(url_event("POST", urllib.parse.urlsplit(bob_reject).path, {"decision": "reject"}))
    assert late["statusCode"] == 409 and "was already approved by ann@example.com (web)" in late["body"]


def test_a_post_whose_form_differs_from_the_link_decides_nothing(service):
    svc, stub, caught, _ = service
    stub_summary(stub)
    svc(sqs_event(envelope(notification())))
    _, reject = links(caught, "ann@example.com")
    path = urllib.parse.urlsplit(reject).path
    answer = svc(url_event("POST", path, {"decision": "approve"}))
    assert answer["statusCode"] == 400
    assert svc(url_event("POST", "/r/not-a-token", {"decision": "approve"}))["statusCode"] == 400
    assert svc(url_event("GET", "/"))["statusCode"] == 404
    assert svc(url_event("DELETE", path))["statusCode"] == 405
    assert svc(url_event("GET", "/healthz"))["body"] == "ok\n"


@pytest.mark.parametrize("event, why", [
    (sqs_event(envelope(notification(), topic="arn:aws:sns:eu-west-1:999999999999:vend-x-approvals")), "topic"),
    (sqs_event(envelope(notification()), source="arn:aws:sqs:eu-west-1:123456789012:other"), "queue"),
    (sqs_event({"Type": "SubscriptionConfirmation", "TopicArn": TOPIC, "Message": "x"}), "type"),
    (sqs_event("not json"), "json"),
    (sqs_event(envelope(notification(region="EU; drop"))), "region"),
    (sqs_event(envelope(notification(custom={"customer": "acme", "environment": "production"}))), "approvers"),
    (sqs_event(envelope(notification(custom={"customer": "acme", "environment": "production",
                                             "approvers": ["not an address"]}))), "approvers"),
    (sqs_event(envelope(json.dumps({"region": "eu-west-1", "approval": {"pipelineName": 3}}))), "shape"),
    ({"Records": [{"EventSource": "aws:sns", "Sns": {"Type": "Notification", "TopicArn": TOPIC, "Message": 7}}]},
     "message type"),
])
def test_refused_input_opens_nothing_and_is_not_retried(service, event, why):
    svc, _, caught, _ = service
    assert svc(event) == {"batchItemFailures": []}, why
    assert outbox.entries(caught) == [] and svc.store.list() == []


def test_an_sns_record_delivered_to_the_function_directly_is_taken_too(service):
    svc, stub, caught, _ = service
    stub.add_client_error("get_pipeline_state", "PipelineNotFoundException")  # the mail still goes
    record = {"EventSource": "aws:sns", "Sns": envelope(notification(expires="2099-01-08T10:00:00Z"))}
    assert svc({"Records": [record]}) == {"batchItemFailures": []}
    [mail] = outbox.entries(caught)[:1]
    assert "What changed since the last release: not known." in outbox.text_of(outbox.read(caught, mail.key))


def test_aws_trouble_is_retried_by_sqs(service, monkeypatch):
    svc, stub, caught, _ = service
    stub_summary(stub)
    monkeypatch.setattr(svc.store, "table", "no-such-table")
    assert svc(sqs_event(envelope(notification()))) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert outbox.entries(caught) == []


def test_the_entry_point_answers_a_malformed_event_with_400(service, monkeypatch):
    svc, _, caught, _ = service
    monkeypatch.setattr(lambda_handler, "_service", svc)
    for event in ([], {"requestContext": {"http": "GET"}}, {"Records": "x"}):
        assert lambda_handler.handler(event, None)["statusCode"] == 400
    assert outbox.entries(caught) == []
