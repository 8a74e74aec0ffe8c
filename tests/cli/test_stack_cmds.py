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


def test_plan_apply_status_destroy(globex, moto_url):
    cloud = Cloud(moto_url)
    certificate = cloud.certificate("dev.globex.example", region="us-east-1")
    config = Path(globex)
    config.write_text(config.read_text().replace("  paths: [/globex/*]", "  paths: [/globex/*]\n  domain: dev.globex.example\n"
                                                 f"  certificate_arn: {certificate}"))
    runner = CliRunner()
    planned = runner.invoke(plan, [globex])
    assert planned.exit_code == 0, planned.output
    lines = planned.output.splitlines()
    rule = lines.index("  + create listener rule vend-globex-development-shared")
    assert lines[rule + 1:rule + 3] == ["      band: path-only", f"      certificate: {certificate}"]
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

    elb = cloud.client("elbv2", "us-east-1")
    lb = elb.describe_load_balancers(Names=["vend-shared-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    https = [l for l in elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] if l["Port"] == 443][0]["ListenerArn"]
    assert [c["CertificateArn"] for c in elb.describe_listener_certificates(ListenerArn=https)["Certificates"]
            if not c["IsDefault"]] == [certificate]
    [placed] = [r for r in elb.describe_rules(ListenerArn=https)["Rules"] if not r["IsDefault"]]
    elb.set_rule_priorities(RulePriorities=[{"RuleArn": placed["RuleArn"], "Priority": 5}])  # as before the bands
    moved = runner.invoke(plan, [globex])
    assert (f"  ~ update listener rule vend-globex-development-shared ({placed['RuleArn']})\n"
            "      band: host+path -> path-only\n") in moved.output
    assert moved.output.splitlines()[-1] == "Plan: 0 to create, 1 to update, 0 to delete, 32 unchanged."
    assert runner.invoke(apply, [globex]).exit_code == 0
    [placed] = [r for r in elb.describe_rules(ListenerArn=https)["Rules"] if not r["IsDefault"]]
    assert int(placed["Priority"]) >= 33334  # moved into the path-only band

    shown = runner.invoke(status, [globex])
    assert "  ok        pipeline vend-globex-development (vend-globex-development)" in shown.output
    assert "rule: priority " in shown.output
    assert "  ok        metric alarm vend-globex-development-unhealthy-hosts (vend-globex-development-unhealthy-hosts)" in shown.output
    # the alarms watch the environment's own target group on the shared ALB its rule is on
    assert re.search(r"^alarm: vend-globex-development-target-5xx (OK|ALARM|INSUFFICIENT_DATA) "
                     r"\(load balancer vend-shared-1, target group vend-globex-development\)$", shown.output, re.M), shown.output

    refused = runner.invoke(destroy, [globex], input="n\n")
    assert refused.exit_code == 1 and refused.output.endswith("Nothing deleted.\n")
    # the shared ALB vend created in globex's VPC stands on it: the VPC stays, and destroy says why
    vpc = elb.describe_load_balancers(Names=["vend-shared-1"])["LoadBalancers"][0]["VpcId"]
    assert (f"  = keep vpc vend-globex-development ({vpc})\n      kept: shared load balancer vend-shared-1 (other "
            f"customers' rules) stands in {vpc}; the VPC can go once no customer uses it: delete the shared load "
            "balancer, then destroy again\n") in refused.output
    assert "  - delete subnet vend-globex-development-private-1 (subnet-" in refused.output
    assert "Plan: 0 to create, 0 to update, 24 to delete, 5 unchanged." in refused.output

    gone = runner.invoke(destroy, [globex, "--yes"])
    assert gone.exit_code == 0, gone.output
    assert "Destroy complete: 24 deleted." in gone.output
    assert [c["CertificateArn"] for c in elb.describe_listener_certificates(ListenerArn=https)["Certificates"]
            if not c["IsDefault"]] == []  # globex's certificate left the shared listener with its rule
    final = runner.invoke(plan, [globex])
    assert final.output.splitlines()[-1] == "Plan: 24 to create, 0 to update, 0 to delete, 9 unchanged."


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
