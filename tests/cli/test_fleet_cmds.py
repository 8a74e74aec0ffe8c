"""vend plan/status with many configs against the moto server: one fleet report (table and JSON),
and the calls one more no-op environment costs."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.aws.conftest import Cloud
from vendor.aws import executor, fleet_run
from vendor.aws.calls import CallCounter
from vendor.aws.observe import observe
from vendor.aws.stack_ops import Target
from vendor.cli import fleet_cmd
from vendor.cli.stack import _open, plan, status
from vendor.plan.diff import plan_apply

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
LOAD_BALANCER = "vend-fleettest-1"


def _config(directory: Path, customer: str, network: dict[str, str]) -> Path:
    """configs/acme-staging.yaml as customer `customer`, on its own shared ALB, in `network`."""
    text = (CONFIGS / "acme-staging.yaml").read_text()
    text = (text.replace("customer: acme", f"customer: {customer}")
                .replace("staging.shop.acme.example", f"staging.{customer}.example")
                .replace("repository: acme-shop", f"repository: {customer}-shop")
                .replace("routing:\n", f"routing:\n  shared_load_balancers: [{LOAD_BALANCER}]\n", 1))
    for old, new in network.items():
        text = text.replace(old, new)
    path = directory / f"{customer}-staging.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def fleet(moto_url, tmp_path_factory):
    """fleetok (applied), fleetdrift (applied, then its log retention changed in AWS), fleetnew (never applied),
    and the shared certificate, given by ARN (other test modules of the session's emulator tag theirs too)."""
    directory = tmp_path_factory.mktemp("fleet")
    shutil.copytree(CONFIGS / "acme", directory / "acme")
    cloud = Cloud(moto_url)
    network = cloud.existing_network()
    cert = cloud.certificate("*.fleettest.example", shared=True)
    paths = [_config(directory, c, network) for c in ("fleetok", "fleetdrift", "fleetnew")]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", moto_url)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        for path, customer in zip(paths[:2], ("fleetok", "fleetdrift")):
            cloud.bake(customer, "staging")
            _, _, ctx, st = _open(str(path), None, None, cert)
            ctx.delay = 0
            executor.apply(ctx, st.resources)
        cloud.client("logs").put_retention_policy(logGroupName="/vend/fleetdrift/staging", retentionInDays=7)
        yield directory, paths, cert


def test_fleet_plan_table(fleet):
    directory, _, cert = fleet
    result = CliRunner().invoke(plan, [str(directory), "--jobs", "3", "--shared-certificate", cert])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:6] == [
        f"Plan for 3 environments (endpoint {os.environ['AWS_ENDPOINT_URL']}):",
        "  ENVIRONMENT         REGION     STATE    WHAT",
        "  fleetdrift-staging  eu-west-1  drifted  update log group /vend/fleetdrift/staging (retention_days)",
        "  fleetnew-staging    eu-west-1  missing",
        "  fleetok-staging     eu-west-1  ok",
        "Fleet: 3 environments: 1 ok, 1 drifted, 1 missing, 0 error.",
    ]
    assert lines[6].startswith("AWS API calls: ") and lines[6].endswith(", 3 environments at a time")
    assert len(lines) == 7


def test_fleet_status_json(fleet):
    _, paths, cert = fleet
    result = CliRunner().invoke(status, [str(p) for p in paths] + ["--output", "json", "--shared-certificate", cert])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "summary": {"ok": 1, "drifted": 1, "missing": 1, "error": 0},
        "environments": [
            {"config": str(paths[0]), "environment": "fleetok-staging", "region": "eu-west-1", "state": "ok",
             "drift": []},
            {"config": str(paths[1]), "environment": "fleetdrift-staging", "region": "eu-west-1",
             "state": "drifted", "drift": ["update log group /vend/fleetdrift/staging (retention_days)"]},
            {"config": str(paths[2]), "environment": "fleetnew-staging", "region": "eu-west-1",
             "state": "missing", "drift": []},
        ]}


def test_an_environment_in_error_is_its_row_and_exit_1(fleet, tmp_path):
    _, paths, cert = fleet
    broken = tmp_path / "broken-staging.yaml"
    broken.write_text(paths[0].read_text().replace("  min: 1\n  max: 2", "  min: 3\n  max: 2"))
    result = CliRunner().invoke(plan, [str(paths[0]), str(broken), "--output", "json", "--shared-certificate", cert])
    assert result.exit_code == 1
    rows = json.loads(result.output)["environments"]
    assert [r["state"] for r in rows] == ["ok", "error"]
    assert f"{broken}:28 fleet/max: max 2 is less than min 3 (raise max or lower min)" in rows[1]["error"]


def test_a_glob_with_no_match_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(plan, [str(tmp_path / "*.yaml")])
    assert result.exit_code == 2
    assert f"no file matches {tmp_path / '*.yaml'}" in result.output


def test_calls_per_no_op_environment_budget(fleet):
    """One more no-op environment costs at most 11 AWS calls in a fleet run, and at least 5x fewer
    than planning it alone (`vend plan CONFIG`: every resource read on its own)."""
    _, paths, cert = fleet
    alone = _open(str(paths[0]), None, None, cert)
    ctx, st = alone[2], alone[3]
    assert {s.action for s in plan_apply(st.resources, observe(ctx, st.resources))} == {"keep"}
    sequential = ctx.counter.total

    def fleet_calls(configs) -> int:
        counter = CallCounter()
        planned = fleet_run.plan_fleet([str(p) for p in configs], Target(label="moto"), jobs=2, counter=counter,
                                       shared_certificate=cert)
        assert [p.error for p in planned] == [None] * len(configs)
        return counter.total

    one_more = fleet_calls(paths[:2]) - fleet_calls(paths[:1])  # fleetdrift reads as much as a no-op
    assert one_more <= 11, one_more
    assert sequential >= 5 * one_more, (sequential, one_more)


def test_the_fleet_plan_of_each_environment_is_its_own_plan(fleet):
    """Answers from the run's lists and shared reads give exactly the steps of reading one by one."""
    _, paths, cert = fleet
    alone = []
    for path in paths:
        _, _, ctx, st = _open(str(path), None, None, cert)
        alone.append(plan_apply(st.resources, observe(ctx, st.resources)))
    counter = CallCounter()
    planned = fleet_run.plan_fleet([str(p) for p in paths], Target(label="moto"), jobs=3, counter=counter,
                                   shared_certificate=cert)
    assert [p.steps for p in planned] == alone
    assert sum(counter.answered.values()) > counter.total  # most reads answered from the run's lists


def test_a_fleet_run_collects_less_often_and_restores_the_collector(monkeypatch):
    import gc
    seen = []
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never called: the plans are stubbed
    monkeypatch.setattr(fleet_run, "plan_fleet",
                        lambda *a, **k: seen.append((gc.get_threshold(), gc.get_freeze_count())) or [])
    before = gc.get_threshold()
    result = CliRunner().invoke(plan, ["a.yaml", "b.yaml", "--output", "json"])
    assert result.exit_code == 0, result.output
    assert seen[0][0][0] == fleet_cmd.GC_THRESHOLD and seen[0][1] > 0  # what was loaded is frozen
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
