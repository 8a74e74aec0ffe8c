"""The AWS pipeline engine on its own: Ctrl-C leaves the execution running and says how to look
again; an execution the upload started (EventBridge) is followed, not a second one started.
CodePipeline is botocore's Stubber (it validates each request against the real API model)."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from vendor.aws.pipeline_runs import PipelineRuns
from vendor.pipeline.engines import CodePipelineEngine, PushInterrupted

PIPELINE = "vend-acme-staging"
RUN = "3f0c2b8e-1d2a-4c55-9e0b-6a7d8e9f0a1b"


class Bucket:
    """The artifact bucket as the engine sees it (put -> version); the S3 side is tested in
    tests/cli/test_aws_mode.py against the moto server."""

    bucket = "artifacts"

    def __init__(self):
        self.kept = {}

    def put(self, key, data, content_type, metadata=None):
        self.kept[key] = data
        return "v-42"

    def uri(self, key):
        return f"s3://{self.bucket}/{key}"


@pytest.fixture
def stubbed():
    client = boto3.client("codepipeline", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stub:
        yield PipelineRuns(client), stub
        stub.assert_no_pending_responses()


def _engine(runs, events, sleep, tmp_path, bucket=None, trigger_wait=0.0):
    return CodePipelineEngine(PIPELINE, "source/vend-acme-staging.zip" if bucket else None, bucket, runs, None,
                              tmp_path, on_event=lambda *e: events.append(e), on_output=lambda *o: None,
                              trigger_wait=trigger_wait, poll=0, sleep=sleep)


def _in_progress(stub):
    stub.add_response("get_pipeline_execution", {"pipelineExecution": {
        "pipelineExecutionId": RUN, "pipelineName": PIPELINE, "status": "InProgress"}},
        {"pipelineName": PIPELINE, "pipelineExecutionId": RUN})
    stub.add_response("get_pipeline_state", {"pipelineName": PIPELINE, "stageStates": [
        {"stageName": "Source", "latestExecution": {"pipelineExecutionId": RUN, "status": "Succeeded"}},
        {"stageName": "Build", "latestExecution": {"pipelineExecutionId": RUN, "status": "InProgress"}},
        {"stageName": "Deploy", "latestExecution": {"pipelineExecutionId": "an-older-one", "status": "Succeeded"}}]},
        {"name": PIPELINE})
    stub.add_response("list_action_executions", {"actionExecutionDetails": []},
                      {"pipelineName": PIPELINE, "filter": {"pipelineExecutionId": RUN}})


def test_ctrl_c_leaves_the_execution_running_and_says_how_to_look_again(stubbed, tmp_path):
    runs, stub = stubbed
    stub.add_response("start_pipeline_execution", {"pipelineExecutionId": RUN}, {"name": PIPELINE})
    _in_progress(stub)
    events = []

    def interrupted(seconds):
        raise KeyboardInterrupt

    with pytest.raises(PushInterrupted) as caught:
        _engine(runs, events, interrupted, tmp_path).push(None, None)
    assert events == [("Pipeline", "Started", f"execution {RUN} of {PIPELINE}"),
                      ("Source", "Succeeded", ""), ("Build", "InProgress", "")]  # not the older Deploy
    assert str(caught.value) == (
        f"still running: execution {RUN} of {PIPELINE}; look again with `vend pipeline follow CONFIG {RUN}` or "
        f"`aws codepipeline get-pipeline-execution --pipeline-name {PIPELINE} --pipeline-execution-id {RUN}`")


def test_the_execution_the_upload_started_is_followed(stubbed, tmp_path):
    from tests.deploy.revisions import python_revision
    runs, stub = stubbed
    stub.add_response("list_pipeline_executions", {"pipelineExecutionSummaries": [
        {"pipelineExecutionId": RUN, "status": "InProgress",
         "sourceRevisions": [{"actionName": "Source", "revisionId": "v-42"}]}]},
        {"pipelineName": PIPELINE, "maxResults": 5})
    _in_progress(stub)
    events, bucket = [], Bucket()

    def interrupted(seconds):
        raise KeyboardInterrupt

    with pytest.raises(PushInterrupted):
        _engine(runs, events, interrupted, tmp_path, bucket, trigger_wait=5).push(
            str(python_revision(tmp_path / "app")), None)
    assert list(bucket.kept) == ["source/vend-acme-staging.zip"]
    assert events[0][:2] == ("Source", "Uploaded") and events[0][2].endswith(
        "s3://artifacts/source/vend-acme-staging.zip version v-42")
    assert events[1] == ("Pipeline", "Started", f"execution {RUN} (started by the upload)")
