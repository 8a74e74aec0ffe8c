"""vend plan/apply/status/destroy and vend sandbox through click, against a moto server."""
from __future__ import annotations

import json
import re
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.aws.conftest import Cloud
from vendor.aws.endpoint import DUMMY_CREDENTIALS, resolve_target
from vendor.cli.sandbox import sandbox
from vendor.cli.stack import apply, destroy, plan, status

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture
def globex(moto_url, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    cloud = Cloud(moto_url)
    cloud.certificate("*.globex.example", shared=True, region="us-east-1")
    cloud.bake("globex", "development", region="us-east-1")
    path = tmp_path / "globex-development.yaml"
    shutil.copy(CONFIGS / "globex-development.yaml", path)
    return str(path)


def test_plan_apply_status_destroy(globex):
    runner = CliRunner()
    planned = runner.invoke(plan, [globex])
    assert planned.exit_code == 0, planned.output
    lines = planned.output.splitlines()
    assert lines[0] == f"Plan for globex/development in us-east-1 (endpoint {os.environ['AWS_ENDPOINT_URL']}):"
    assert lines[1:3] == ["  + create vpc vend-globex-development", "  + create internet gateway vend-globex-development"]
    assert lines[-1] == "Plan: 33 to create, 0 to update, 0 to delete, 0 unchanged."

    as_json = json.loads(runner.invoke(plan, [globex, "--output", "json"]).output)
    assert as_json["summary"] == {"create": 33, "update": 0, "delete": 0, "keep": 0, "blocked": 0}

    applied = runner.invoke(apply, [globex])
    assert applied.exit_code == 0, applied.output
    assert "  + create pipeline vend-globex-development ..." in applied.output
    assert "Apply complete: 33 created, 0 updated, 0 deleted, 0 unchanged." in applied.output

    again = runner.invoke(apply, [globex])
    assert "Apply complete: 0 created, 0 updated, 0 deleted, 33 unchanged." in again.output
    assert again.output.splitlines()[-1].endswith(" (0 mutating)")

    shown = runner.invoke(status, [globex])
    assert "  ok        pipeline vend-globex-development (vend-globex-development)" in shown.output
    assert "rule: priority " in shown.output
    assert "  ok        metric alarm vend-globex-development-unhealthy-hosts (vend-globex-development-unhealthy-hosts)" in shown.output
    assert re.search(r"^alarm: vend-globex-development-target-5xx (OK|ALARM|INSUFFICIENT_DATA)$", shown.output, re.M), shown.output

    refused = runner.invoke(destroy, [globex], input="n\n")
    assert refused.exit_code == 1 and refused.output.endswith("Nothing deleted.\n")
    assert "  - delete vpc vend-globex-development (vpc-" in refused.output

    gone = runner.invoke(destroy, [globex, "--yes"])
    assert gone.exit_code == 0, gone.output
    assert "Destroy complete: 29 deleted." in gone.output
    final = runner.invoke(plan, [globex])
    assert final.output.splitlines()[-1] == "Plan: 29 to create, 0 to update, 0 to delete, 4 unchanged."


def test_bad_config_is_a_user_error(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("customer: acme\n")
    result = CliRunner().invoke(plan, [str(path)])
    assert result.exit_code == 2
    assert f"{path}:1 environment: " in result.output


def test_target_without_credentials_is_the_emulator():
    started = []
    target = resolve_target(None, lambda: started.append(1) or "http://127.0.0.1:5999", environ={},
                            credentials=lambda profile: False)
    assert (target.endpoint_url, target.credentials, started) == ("http://127.0.0.1:5999", DUMMY_CREDENTIALS, [1])
    real = resolve_target(None, lambda: pytest.fail("must not start"), environ={}, credentials=lambda p: True)
    assert (real.endpoint_url, real.credentials, real.label) == (None, None, "AWS")
    given = resolve_target(None, lambda: pytest.fail("must not start"), environ={"AWS_ENDPOINT_URL": "http://x"})
    assert (given.endpoint_url, given.label) == (None, "endpoint http://x")


def test_sandbox_commands(tmp_path, monkeypatch):
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(sandbox, ["status"]).output == "AWS emulator   not running\nservices       not running\n"
    started = runner.invoke(sandbox, ["start"])
    try:
        assert started.output.startswith("started AWS emulator at http://127.0.0.1:")
        running = runner.invoke(sandbox, ["status"])
        assert running.exit_code == 0 and running.output.startswith("AWS emulator   http://127.0.0.1:")
    finally:
        stopped = runner.invoke(sandbox, ["stop"])
    assert stopped.output.startswith("stopped the AWS emulator (pid ")
    assert stopped.output.endswith("the sandbox is stopped\n")
    assert runner.invoke(sandbox, ["status"]).exit_code == 3
