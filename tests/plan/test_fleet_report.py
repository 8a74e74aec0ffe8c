"""The fleet report from plans' steps: states, table and JSON (pure)."""
from __future__ import annotations

import json

from vendor.plan import fleet_report
from vendor.plan.diff import Change, Step
from vendor.plan.resources import Resource

LOGS = Resource("log group", "/vend/acme/staging", {"retention_days": 30})
LB = Resource("load balancer", "vend-shared-1", {}, shared=True)
BUCKET = Resource("s3 bucket", "vend-acme-staging-artifacts", {})


def test_states():
    assert fleet_report.classify([Step("keep", LOGS), Step("keep", LB)]) == ("ok", ())
    assert fleet_report.classify([Step("create", LOGS), Step("create", BUCKET), Step("keep", LB)]) == ("missing", ())
    assert fleet_report.classify([Step("update", LOGS, (Change("retention_days", 7, 30),)), Step("create", BUCKET)]) \
        == ("drifted", ("update log group /vend/acme/staging (retention_days)", "create s3 bucket vend-acme-staging-artifacts"))


def test_table_and_json():
    rows = [fleet_report.row("a.yaml", "acme-staging", "eu-west-1", [Step("keep", LOGS)]),
            fleet_report.row("b.yaml", None, None, [], error="b.yaml:3 customer: missing")]
    assert fleet_report.text(rows, title="Plan for 2 environments (moto):") == (
        "Plan for 2 environments (moto):\n"
        "  ENVIRONMENT   REGION     STATE  WHAT\n"
        "  acme-staging  eu-west-1  ok\n"
        "  b.yaml        -          error  b.yaml:3 customer: missing\n"
        "Fleet: 2 environments: 1 ok, 0 drifted, 0 missing, 1 error.\n")
    assert json.loads(fleet_report.as_json(rows)) == {
        "summary": {"ok": 1, "drifted": 0, "missing": 0, "error": 1},
        "environments": [
            {"config": "a.yaml", "environment": "acme-staging", "region": "eu-west-1", "state": "ok", "drift": []},
            {"config": "b.yaml", "environment": None, "region": None, "state": "error", "drift": [],
             "error": "b.yaml:3 customer: missing"}]}
