"""`vend logs` on AWS reads the environment's CloudWatch Logs group (moto server): host-prefixed,
filtered by instance (stream prefix) and deployment id."""
from __future__ import annotations

import time

import boto3
import pytest

from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.aws.log_events import events
from vendor.cli import logs as logs_cmd
from vendor.config.loader import load_config
from tests.cli.test_config_vars import MINIMAL


@pytest.fixture
def group(moto_url, monkeypatch, tmp_path):
    key, secret = DUMMY_CREDENTIALS
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("logs", region_name="eu-west-1")
    client.create_log_group(logGroupName="/vend/cwlogs/staging")
    now = int(time.time() * 1000)
    for stream, lines in {"i-0aaa/app": ["GET / 200", "GET /health 200"],
                          "i-0bbb/deploy": ["[d-ABC] ApplicationStart start_server.sh", "started"]}.items():
        client.create_log_stream(logGroupName="/vend/cwlogs/staging", logStreamName=stream)
        client.put_log_events(logGroupName="/vend/cwlogs/staging", logStreamName=stream,
                              logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(lines)])
    path = tmp_path / "cwlogs-staging.yaml"
    path.write_text(MINIMAL.read_text().replace("customer: shop", "customer: cwlogs"))
    return client, load_config(str(path))


def test_events_of_every_stream_host_prefixed(group, capsys):
    client, cf = group
    assert [e.stream for e in events(client, "/vend/cwlogs/staging")] == ["i-0aaa/app", "i-0bbb/deploy", "i-0aaa/app",
                                                                         "i-0bbb/deploy"]
    logs_cmd._cloudwatch(cf, None, None, 600, False)
    assert sorted(capsys.readouterr().out.splitlines()) == [
        "i-0aaa app | GET / 200", "i-0aaa app | GET /health 200",
        "i-0bbb deploy | [d-ABC] ApplicationStart start_server.sh", "i-0bbb deploy | started"]
    logs_cmd._cloudwatch(cf, "i-0aaa", None, 600, False)
    assert capsys.readouterr().out == "i-0aaa app | GET / 200\ni-0aaa app | GET /health 200\n"
