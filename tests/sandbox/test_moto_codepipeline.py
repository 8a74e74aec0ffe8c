"""The emulator's PutApprovalResult answers as AWS does for what it can know."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.aws.conftest import Cloud
from tests.conftest import moto_url  # noqa: F401 - the shared moto server fixture
from tests.sandbox.test_approvals_feed import _pipeline

REGION = "sa-east-1"
RESULT = {"status": "Approved", "summary": "Approved by ann@example.com"}


def test_a_token_is_decided_once_and_only_for_an_existing_pipeline(moto_url):  # noqa: F811
    cloud = Cloud(moto_url)
    pipelines = cloud.client("codepipeline", REGION)
    with pytest.raises(ClientError) as e:
        pipelines.put_approval_result(pipelineName="vend-acme-production", stageName="Approve", actionName="Approve",
                                      result=RESULT, token="11111111-2222-3333-4444-555555555555")
    assert e.value.response["Error"]["Code"] == "PipelineNotFoundException"
    _pipeline(cloud.client("iam", REGION), pipelines)
    answer = pipelines.put_approval_result(pipelineName="vend-acme-production", stageName="Approve",
                                           actionName="Approve", result=RESULT,
                                           token="11111111-2222-3333-4444-555555555555")
    assert "approvedAt" in answer
    with pytest.raises(ClientError) as e:
        pipelines.put_approval_result(pipelineName="vend-acme-production", stageName="Approve", actionName="Approve",
                                      result=RESULT, token="11111111-2222-3333-4444-555555555555")
    assert e.value.response["Error"]["Code"] == "ApprovalAlreadyCompletedException"
