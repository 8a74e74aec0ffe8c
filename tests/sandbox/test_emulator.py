"""The embedded AWS emulator: start (recorded in the state dir), reuse, serve boto3, stop."""
from __future__ import annotations

import json

import boto3

from vendor.sandbox import emulator


def test_start_reuse_serve_and_stop(tmp_path):
    first, started = emulator.start(tmp_path)
    try:
        assert started
        assert json.loads((tmp_path / "emulator.json").read_text()) == {"pid": first.pid, "port": first.port}
        again, started_again = emulator.start(tmp_path)
        assert (again, started_again) == (first, False)
        assert emulator.status(tmp_path) == first
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=first.url,
                          aws_access_key_id="vend-sandbox", aws_secret_access_key="vend-sandbox-secret")
        s3.create_bucket(Bucket="probe")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["probe"]
        codebuild = boto3.client("codebuild", region_name="us-east-1", endpoint_url=first.url,
                                 aws_access_key_id="vend-sandbox", aws_secret_access_key="vend-sandbox-secret")
        codebuild.create_project(  # relaxed: CODEPIPELINE source without a location, as AWS allows
            name="probe", source={"type": "CODEPIPELINE"}, artifacts={"type": "CODEPIPELINE"},
            environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                         "computeType": "BUILD_GENERAL1_SMALL"},
            serviceRole="arn:aws:iam::123456789012:role/probe")
    finally:
        stopped = emulator.stop(tmp_path)
    assert stopped == first
    assert emulator.status(tmp_path) is None
    assert not (tmp_path / "emulator.json").exists()
    assert emulator.stop(tmp_path) is None


def test_stale_record_is_dropped(tmp_path):
    (tmp_path / "emulator.json").write_text(json.dumps({"pid": 2 ** 22 + 7, "port": 1}))
    assert emulator.status(tmp_path) is None
    assert not (tmp_path / "emulator.json").exists()
