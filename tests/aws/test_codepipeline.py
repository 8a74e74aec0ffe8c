"""PipelineApprovals against botocore's Stubber (moto implements neither call); the Stubber
validates every request against the real CodePipeline API model."""
from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import Stubber

from vendor.aws.codepipeline import PendingApproval, PipelineApprovals, PipelineError

SINCE = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def stubbed():
    client = boto3.client("codepipeline", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stub:
        yield PipelineApprovals(client), stub
        stub.assert_no_pending_responses()


def _state(status="InProgress", token="tok-1"):
    latest = {"status": status, "lastStatusChange": SINCE}
    if token:
        latest["token"] = token
    return {"pipelineName": "acme-production", "stageStates": [
        {"stageName": "Source", "actionStates": [
            {"actionName": "Source", "latestExecution": {"status": "Succeeded"}}]},
        {"stageName": "Release", "actionStates": [
            {"actionName": "Approve", "latestExecution": latest}, {"actionName": "Deploy"}]},
    ]}


def test_put_result_sends_the_token_and_status(stubbed):
    approvals, stub = stubbed
    stub.add_response("put_approval_result", {"approvedAt": SINCE}, {
        "pipelineName": "acme-production", "stageName": "Release", "actionName": "Approve",
        "token": "tok-1", "result": {"summary": "Rejected by bob", "status": "Rejected"}})
    approvals.put_result("acme-production", "Release", "Approve", "tok-1", False, "Rejected by bob")


def test_put_result_keeps_the_summary_within_the_api_limit(stubbed):
    approvals, stub = stubbed
    stub.add_response("put_approval_result", {}, {
        "pipelineName": "p", "stageName": "s", "actionName": "a", "token": "t",
        "result": {"summary": "x" * 509 + "...", "status": "Approved"}})
    approvals.put_result("p", "s", "a", "t", True, "x" * 600)


def test_errors_leave_as_pipeline_error_with_the_aws_code(stubbed):
    approvals, stub = stubbed
    stub.add_client_error("put_approval_result", "ApprovalAlreadyCompletedException", "already done")
    with pytest.raises(PipelineError) as e:
        approvals.put_result("p", "s", "a", "t", True, "ok")
    assert e.value.code == "ApprovalAlreadyCompletedException" and "already done" in str(e.value)


def test_reads_the_waiting_approval_and_its_token(stubbed):
    approvals, stub = stubbed
    stub.add_response("get_pipeline_state", _state(), {"name": "acme-production"})
    assert approvals.pending("acme-production") == [
        PendingApproval("acme-production", "Release", "Approve", "tok-1", SINCE)]
    stub.add_response("get_pipeline_state", _state(), {"name": "acme-production"})
    assert approvals.approval_token("acme-production", "Release", "Approve") == "tok-1"
    stub.add_response("get_pipeline_state", _state(), {"name": "acme-production"})
    assert approvals.approval_token("acme-production", "Release", "Deploy") is None


@pytest.mark.parametrize("status,token", [("Succeeded", "tok-1"), ("InProgress", None)])
def test_no_token_when_the_approval_is_not_waiting(stubbed, status, token):
    approvals, stub = stubbed
    stub.add_response("get_pipeline_state", _state(status, token), {"name": "acme-production"})
    assert approvals.approval_token("acme-production", "Release", "Approve") is None


def test_unknown_pipeline(stubbed):
    approvals, stub = stubbed
    stub.add_client_error("get_pipeline_state", "PipelineNotFoundException", "no such pipeline")
    with pytest.raises(PipelineError, match="PipelineNotFoundException"):
        approvals.pending("nope")


def test_a_decision_goes_to_the_client_of_the_pipelines_own_region(stubbed):
    default, default_stub = stubbed
    made = []
    remote = boto3.client("codepipeline", region_name="ap-southeast-2", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    approvals = PipelineApprovals(default.client, regional=lambda region: made.append(region) or remote)
    with Stubber(remote) as stub:
        stub.add_response("put_approval_result", {}, {
            "pipelineName": "p", "stageName": "s", "actionName": "a", "token": "t",
            "result": {"summary": "ok", "status": "Approved"}})
        approvals.put_result("p", "s", "a", "t", True, "ok", region="ap-southeast-2")
        stub.assert_no_pending_responses()
    default_stub.add_response("put_approval_result", {}, {
        "pipelineName": "p", "stageName": "s", "actionName": "a", "token": "t",
        "result": {"summary": "ok", "status": "Approved"}})
    approvals.put_result("p", "s", "a", "t", True, "ok", region="eu-west-1")  # the default client's own region
    assert made == ["ap-southeast-2"]
