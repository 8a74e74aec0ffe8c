"""The CodeDeploy engine on its own: Ctrl-C stops following, not the deployment, and says how to
look again; a rollback with no earlier good revision says so. CodeDeploy is botocore's Stubber."""
from __future__ import annotations

from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber

from tests.deploy.revisions import python_revision
from vendor.aws.codedeploy import CodeDeploy
from vendor.deploy.engines import CodeDeployEngine, EngineError
from vendor.deploy.lifecycle import S3Location


class Bucket:
    """The artifact bucket as the engine sees it; S3 itself is tested in tests/cli/test_aws_mode.py."""

    bucket = "artifacts"

    def store(self, key, data, content_type, metadata=None):
        return S3Location(self.bucket, key, "v-1", "9a0364b9e99bb480dd25e1f0284c8555")

    def uri(self, key):
        return f"s3://{self.bucket}/{key}"


@pytest.fixture
def stubbed():
    client = boto3.client("codedeploy", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stub:
        yield CodeDeploy(client), stub
        stub.assert_no_pending_responses()


def test_ctrl_c_stops_following_not_the_deployment(stubbed, tmp_path):
    deployments, stub = stubbed
    stub.add_response("create_deployment", {"deploymentId": "d-ABC123DEF"}, {
        "applicationName": "app", "deploymentGroupName": "app", "revision": ANY, "description": ANY})
    stub.add_response("get_deployment", {"deploymentInfo": {"deploymentId": "d-ABC123DEF", "status": "InProgress"}},
                      {"deploymentId": "d-ABC123DEF"})
    stub.add_response("list_deployment_targets", {"targetIds": []}, {"deploymentId": "d-ABC123DEF"})
    lines = []

    def interrupted(seconds):
        raise KeyboardInterrupt

    engine = CodeDeployEngine("app", "app", Bucket(), deployments, lambda i, line: None, poll=0, sleep=interrupted)
    with pytest.raises(SystemExit) as caught:
        engine.deploy(python_revision(tmp_path / "app"), lines.append)
    assert caught.value.code == 130
    assert lines[-1] == ("still running: deployment d-ABC123DEF; look again with "
                         "`aws deploy get-deployment --deployment-id d-ABC123DEF` or `vend releases CONFIG`")


def test_rollback_without_an_earlier_good_revision(stubbed):
    deployments, stub = stubbed
    stub.add_response("list_deployments", {"deployments": ["d-ABC123DEF"]},
                      {"applicationName": "app", "deploymentGroupName": "app"})
    stub.add_response("batch_get_deployments", {"deploymentsInfo": [{
        "deploymentId": "d-ABC123DEF", "status": "Succeeded", "createTime": datetime(2026, 1, 1, tzinfo=timezone.utc),
        "revision": {"revisionType": "S3", "s3Location": {"bucket": "artifacts", "key": "revisions/ab12.zip",
                                                          "bundleType": "zip", "version": "v-1"}}}]},
        {"deploymentIds": ["d-ABC123DEF"]})
    engine = CodeDeployEngine("app", "app", Bucket(), deployments, lambda i, line: None)
    with pytest.raises(EngineError, match=r"^no earlier good revision to roll back to \(see vend releases\)$"):
        engine.rollback(None, print)
