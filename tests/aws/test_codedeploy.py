"""CodeDeploy reads against botocore's Stubber (moto has no ListDeploymentTargets or
BatchGetDeploymentTargets); the Stubber validates every request against the real API model."""
from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import Stubber

from vendor.aws.codedeploy import CodeDeploy, DeployError
from vendor.deploy.follow import follow_deployment

AT = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def stubbed():
    client = boto3.client("codedeploy", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stub:
        yield CodeDeploy(client), stub
        stub.assert_no_pending_responses()


def _deployment(status, error=None):
    info = {"deploymentId": "d-ABC123DEF", "status": status, "createTime": AT, "creator": "user",
            "revision": {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "revisions/ab12.zip",
                                                                "bundleType": "zip", "version": "v1"}},
            "deploymentOverview": {"Succeeded": 0, "Failed": 1 if status == "Failed" else 0}}
    if error:
        info["errorInformation"] = {"code": "HEALTH_CONSTRAINTS", "message": error}
    return {"deploymentInfo": info}


def _targets(status, start_event):
    return {"deploymentTargets": [{"deploymentTargetType": "InstanceTarget", "instanceTarget": {
        "deploymentId": "d-ABC123DEF", "targetId": "i-0aa", "status": status, "lifecycleEvents": [
            {"lifecycleEventName": "BeforeInstall", "status": "Succeeded"},
            {"lifecycleEventName": "ApplicationStart", "status": start_event,
             **({"diagnostics": {"errorCode": "ScriptFailed", "scriptName": "scripts/start.sh",
                                 "message": "Script at specified location: scripts/start.sh run as user root failed with exit code 1",
                                 "logTail": "[stderr]port 80 in use"}} if start_event == "Failed" else {})}]}}]}


def test_a_failed_instance_shows_its_event_script_and_log_tail(stubbed):
    deployments, stub = stubbed
    for status, target, event in (("InProgress", "InProgress", "InProgress"), ("Failed", "Failed", "Failed")):
        stub.add_response("get_deployment", _deployment(status, "too many failed" if status == "Failed" else None),
                          {"deploymentId": "d-ABC123DEF"})
        stub.add_response("list_deployment_targets", {"targetIds": ["i-0aa"]}, {"deploymentId": "d-ABC123DEF"})
        stub.add_response("batch_get_deployment_targets", _targets(target, event),
                          {"deploymentId": "d-ABC123DEF", "targetIds": ["i-0aa"]})
    lines = []
    info = follow_deployment(deployments, "d-ABC123DEF", lambda i, line: lines.append(f"{i} | {line}"),
                             poll=0, sleep=lambda s: None)
    assert info.status == "Failed" and info.error == "HEALTH_CONSTRAINTS: too many failed"
    assert lines == ["i-0aa | BeforeInstall Succeeded", "i-0aa | ApplicationStart InProgress",
                     "i-0aa | ApplicationStart Failed: ScriptFailed scripts/start.sh Script at specified location: "
                     "scripts/start.sh run as user root failed with exit code 1",
                     "i-0aa | ApplicationStart: [stderr]port 80 in use"]


def test_create_sends_the_zip_revision_in_s3(stubbed):
    deployments, stub = stubbed
    from vendor.aws.codedeploy import S3Revision
    stub.add_response("create_deployment", {"deploymentId": "d-ABC123DEF"}, {
        "applicationName": "app", "deploymentGroupName": "app", "description": "vend deploy of ab12",
        "revision": {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "revisions/ab12.zip",
                                                          "bundleType": "zip", "version": "v1"}}})
    assert deployments.create("app", "app", S3Revision("b", "revisions/ab12.zip", "zip", "v1"),
                              "vend deploy of ab12") == "d-ABC123DEF"


def test_errors_leave_with_the_aws_code(stubbed):
    deployments, stub = stubbed
    stub.add_client_error("get_deployment", "DeploymentDoesNotExistException", "no such deployment")
    with pytest.raises(DeployError, match="^DeploymentDoesNotExistException: no such deployment$"):
        deployments.deployment("d-NOPE12345")


def test_create_sends_the_etag_so_codedeploy_checks_the_object_and_the_agent_sets_bundle_etag(stubbed):
    """S3Location.eTag: CodeDeploy checks the object against it; the agent gives hooks BUNDLE_ETAG."""
    deployments, stub = stubbed
    from vendor.aws.codedeploy import S3Revision
    stub.add_response("create_deployment", {"deploymentId": "d-ABC123DEF"}, {
        "applicationName": "app", "deploymentGroupName": "app", "description": "vend deploy of ab12",
        "revision": {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "revisions/ab12.zip",
                                                          "bundleType": "zip", "version": "v1", "eTag": "9a03"}}})
    assert deployments.create("app", "app", S3Revision("b", "revisions/ab12.zip", "zip", "v1", "9a03"),
                              "vend deploy of ab12") == "d-ABC123DEF"
