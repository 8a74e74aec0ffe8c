"""In the emulator: `vend apply` of a production config vends the approvals service; CodePipeline's
approval notification published to the environment's topic reaches the handler through the SQS
queue and mails vend's links over real SMTP; GET decides nothing; POST calls PutApprovalResult
once, in the pipeline's region (Stubber: moto has no PutApprovalResult); a replay is refused."""
from __future__ import annotations

import json
import socket
import urllib.parse

import boto3
import pytest
from aiosmtpd.controller import Controller
from botocore.stub import Stubber

from tests.approvals.test_lambda_handler import links, url_event
from tests.aws.conftest import PRODUCTION_CERT, copy_config, load
from tests.aws.test_stack_e2e import changed, run
from vendor.approvals import lambda_handler, outbox
from vendor.approvals.model import APPROVED, PENDING
from vendor.aws import executor
from vendor.aws.codepipeline import PipelineApprovals
from vendor.aws.endpoint import DUMMY_CREDENTIALS

SERVICE_PARTS = ["create approvals key vend/approvals/signing-key", "create approvals table vend-approvals",
                 "create approvals queue vend-approvals", "create ses identity vend@acme.example",
                 "create approvals role vend-approvals-eu-north-1", "create lambda function vend-approvals",
                 "create function url vend-approvals", "create event source mapping vend-approvals",
                 "create approvals subscription vend-acme-production-approvals"]
REGION = "eu-north-1"  # a region of its own: the service is shared per region and outlives other tests' stacks
TOKEN = "0f4d2c1e-7b9a-4c1d-9e8f-approval-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notification(region: str) -> str:
    custom = {"customer": "acme", "environment": "production",
              "approvers": ["release-manager@acme.example", "cto@acme.example"]}
    return json.dumps({"region": region, "consoleLink": "https://console.aws.amazon.com/codesuite/codepipeline/",
                       "approval": {"pipelineName": "vend-acme-production", "stageName": "Approve",
                                    "actionName": "Approve", "token": TOKEN, "expires": "2099-01-08T10:00Z",
                                    "customData": json.dumps(custom)}})


@pytest.fixture
def mail(tmp_path):
    controller = Controller(outbox.Catcher(tmp_path / "caught"), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, tmp_path / "caught"
    controller.stop()


def test_apply_vends_the_service_and_a_notification_becomes_vends_mail_and_one_decision(cloud, tmp_path, mail,
                                                                                      monkeypatch):
    monkeypatch.setenv("VEND_MAIL_FROM", "vend@acme.example")
    path = copy_config("acme-production.yaml", tmp_path, {
        PRODUCTION_CERT: cloud.certificate("shop.acme.example", region=REGION), "region: eu-west-1": f"region: {REGION}"})
    cloud.bake("acme", "production", REGION)
    first, _ = run(cloud, load(path), region=REGION)
    made = changed(first)
    assert [m for m in made if m in SERVICE_PARTS] == SERVICE_PARTS
    again, calls = run(cloud, load(path), region=REGION)
    assert (changed(again), calls.mutating) == ([], 0)

    lam, sns, sqs = cloud.client("lambda", REGION), cloud.client("sns", REGION), cloud.client("sqs", REGION)
    function = lam.get_function_configuration(FunctionName="vend-approvals")
    assert (function["Runtime"], function["Handler"]) == ("python3.12", "vendor.approvals.lambda_handler.handler")
    assert function["Role"].endswith(":role/vend/vend-approvals-eu-north-1")
    url = lam.get_function_url_config(FunctionName="vend-approvals")
    assert url["AuthType"] == "NONE" and url["FunctionUrl"].startswith("https://")
    queue = sqs.get_queue_url(QueueName="vend-approvals")["QueueUrl"]
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"][0]["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:aws:sns:{REGION}:123456789012:vend-*-approvals"}
    topic = f"arn:aws:sns:{REGION}:123456789012:vend-acme-production-approvals"
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"].split(":")[-1]) for s in subscriptions] == [("sqs", "vend-approvals")]
    assert cloud.client("dynamodb", REGION).describe_table(TableName="vend-approvals")["Table"]["TableStatus"] == "ACTIVE"
    role = cloud.client("iam").get_role_policy(RoleName=f"vend-approvals-{REGION}", PolicyName="vend")
    assert "codepipeline:PutApprovalResult" in json.dumps(role["PolicyDocument"])

    # CodePipeline publishes its approval notification; SNS hands it to the queue
    sns.publish(TopicArn=topic, Subject="APPROVAL NEEDED", Message=_notification(REGION))
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:vend-approvals",
                "awsRegion": REGION} for m in received]
    assert len(records) == 1

    # the function as vended: its own environment, plus the Lambda runtime's; mail to the catcher
    port, caught = mail
    key, secret = DUMMY_CREDENTIALS
    for k, v in {**function["Environment"]["Variables"], "AWS_LAMBDA_FUNCTION_NAME": "vend-approvals",
                 "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL": cloud.url, "AWS_ACCESS_KEY_ID": key,
                 "AWS_SECRET_ACCESS_KEY": secret, "VEND_MAIL_TRANSPORT": "smtp", "VEND_SMTP_HOST": "127.0.0.1",
                 "VEND_SMTP_PORT": str(port), "VEND_STATE_DIR": str(tmp_path / "state")}.items():
        monkeypatch.setenv(k, v)
    regions = []
    pipeline = boto3.client("codepipeline", region_name=REGION, aws_access_key_id=key,
                            aws_secret_access_key=secret)
    service = lambda_handler.from_env(pipelines=PipelineApprovals(
        regional=lambda region: regions.append(region) or pipeline))
    with Stubber(pipeline) as stub:
        stub.add_client_error("get_pipeline_state", "PipelineNotFoundException")
        assert service({"Records": records}) == {"batchItemFailures": []}
        assert service({"Records": records}) == {"batchItemFailures": []}  # delivered twice: mailed once
        assert sorted(e.to for e in outbox.entries(caught)) == ["cto@acme.example", "release-manager@acme.example"]
        approve, _ = links(caught, "cto@acme.example")
        assert approve.startswith(url["FunctionUrl"].rstrip("/") + "/r/")
        link = urllib.parse.urlsplit(approve).path

        page = service(url_event("GET", link))
        assert page["statusCode"] == 200 and "Nothing has been decided yet." in page["body"]
        request_id = outbox.entries(caught)[0].request_id
        assert service.store.get(request_id).status == PENDING

        stub.add_response("put_approval_result", {}, {
            "pipelineName": "vend-acme-production", "stageName": "Approve", "actionName": "Approve", "token": TOKEN,
            "result": {"status": "Approved", "summary": "Approved by cto@acme.example via vend web from 203.0.113.9"}})
        done = service(url_event("POST", link, {"decision": "approve"}))
        assert done["statusCode"] == 200
        replay = service(url_event("POST", link, {"decision": "approve"}))
        assert replay["statusCode"] == 409 and "already used" in replay["body"]
        stub.assert_no_pending_responses()
    assert regions == [REGION]
    assert cloud.client("dynamodb", REGION).get_item(TableName="vend-approvals", Key={"id": {"S": request_id}})[
        "Item"]["status"] == {"S": APPROVED}
    gone, _ = run(cloud, load(path), executor.destroy, region=REGION)  # IAM is global: leave no roles to others
    assert "delete approvals subscription vend-acme-production-approvals" in changed(gone)
