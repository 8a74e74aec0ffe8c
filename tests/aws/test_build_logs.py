"""CodeBuild's log lines, new ones only, against botocore's Stubber (moto runs no build and so
logs nothing); the Stubber validates each request against the real API models."""
import boto3
from botocore.stub import Stubber

from vendor.aws.build_logs import BuildLogs

BUILD = "vend-acme-staging:5e1f0c2a-7b3d-4e8f-9a0b-1c2d3e4f5a6b"


def _client(service):
    return boto3.client(service, region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def test_lines_arrive_once_each_as_the_build_logs_them():
    codebuild, logs = _client("codebuild"), _client("logs")
    where = {"groupName": "/vend/acme/staging", "streamName": "5e1f0c2a"}
    events = lambda *m: [{"timestamp": 1, "message": x + "\n", "ingestionTime": 1} for x in m]  # noqa: E731
    with Stubber(codebuild) as cb, Stubber(logs) as lg:
        for _ in range(2):
            cb.add_response("batch_get_builds", {"builds": [{"id": BUILD, "logs": where}]}, {"ids": [BUILD]})
        read = {"logGroupName": where["groupName"], "logStreamName": where["streamName"], "startFromHead": True}
        lg.add_response("get_log_events", {"events": events("[Container] Entering phase INSTALL", "pip install"),
                                           "nextForwardToken": "f/1"}, read)
        lg.add_response("get_log_events", {"events": [], "nextForwardToken": "f/1"}, {**read, "nextToken": "f/1"})
        lg.add_response("get_log_events", {"events": events("[Container] Phase complete: BUILD State: SUCCEEDED"),
                                           "nextForwardToken": "f/2"}, {**read, "nextToken": "f/1"})
        lg.add_response("get_log_events", {"events": [], "nextForwardToken": "f/2"}, {**read, "nextToken": "f/2"})
        reader = BuildLogs(codebuild, logs)
        assert reader.new_lines(BUILD) == ["[Container] Entering phase INSTALL", "pip install"]
        assert reader.new_lines(BUILD) == ["[Container] Phase complete: BUILD State: SUCCEEDED"]
        cb.assert_no_pending_responses()
        lg.assert_no_pending_responses()


def test_no_lines_until_codebuild_says_where_it_logs():
    codebuild = _client("codebuild")
    with Stubber(codebuild) as cb:
        cb.add_response("batch_get_builds", {"builds": [{"id": BUILD}]}, {"ids": [BUILD]})
        assert BuildLogs(codebuild, _client("logs")).new_lines(BUILD) == []
