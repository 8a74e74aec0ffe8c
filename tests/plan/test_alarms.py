"""The environment's CloudWatch alarms and their topic, as wanted resources."""
from __future__ import annotations

from pathlib import Path

from vendor.config.loader import load_config
from vendor.plan.naming import Facts
from vendor.plan.resources import Ref
from vendor.plan.stack import stack

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
FACTS = Facts("123456789012", "eu-west-1", ("eu-west-1a", "eu-west-1b", "eu-west-1c"), "ami-0123456789abcdef0")


def wanted(name: str):
    return {r.key: r for r in stack(load_config(CONFIGS / name).config, FACTS)}


def test_production_alarms_notify_the_alarms_topic():
    res = wanted("acme-production.yaml")
    assert res["sns topic vend-acme-production-alarms"].props == {
        "subscriptions": ["cto@acme.example", "release-manager@acme.example"]}
    alarms = {k: r for k, r in res.items() if k.startswith("metric alarm ")}
    assert sorted(alarms) == ["metric alarm vend-acme-production-db-cpu", "metric alarm vend-acme-production-db-free-storage",
                              "metric alarm vend-acme-production-target-5xx",
                              "metric alarm vend-acme-production-unhealthy-hosts"]
    assert all(r.props["topic"] == Ref("sns topic", "vend-acme-production-alarms", "arn") for r in alarms.values())
    # the environment's own load balancer: the one its listener rule is on (its dedicated ALB here)
    balancer = {"LoadBalancer": Ref("listener rule", "vend-acme-production-dedicated", "load_balancer"),
                "TargetGroup": Ref("target group", "vend-acme-production", "arn")}
    assert alarms["metric alarm vend-acme-production-unhealthy-hosts"].props["dimensions"] == balancer
    # a rate, not a count: 5xx answers of the app per request, in percent, over 5 minutes
    assert alarms["metric alarm vend-acme-production-target-5xx"].props == {
        "description": "5% or more of the app's answers were 5xx in 5 minutes (of 10 or more requests)",
        "treat_missing": "notBreaching", "topic": Ref("sns topic", "vend-acme-production-alarms", "arn"),
        "namespace": "AWS/ApplicationELB", "dimensions": balancer, "statistic": "Sum", "period": 300,
        "metrics": {"errors": "HTTPCode_Target_5XX_Count", "requests": "RequestCount"},
        "expression": "IF(FILL(requests, 0) >= 10, 100 * FILL(errors, 0) / requests, 0)",
        "evaluation_periods": 1, "threshold": 5.0, "comparison": "GreaterThanOrEqualToThreshold"}
    storage = alarms["metric alarm vend-acme-production-db-free-storage"].props
    assert (storage["metric"], storage["threshold"], storage["comparison"]) == (
        "FreeStorageSpace", 50 * 1024 ** 3 * 0.1, "LessThanThreshold")  # 10% of storage_gb 50


def test_no_database_no_database_alarms():
    res = wanted("globex-development.yaml")
    assert not res["metric alarm vend-globex-development-db-cpu"].present
    assert not res["metric alarm vend-globex-development-db-free-storage"].present
    # on shared ALBs: whichever of them the environment's rule is on, not the first listed
    assert res["metric alarm vend-globex-development-target-5xx"].props["dimensions"]["LoadBalancer"] == Ref(
        "listener rule", "vend-globex-development-shared", "load_balancer")


def test_the_instance_role_may_read_what_the_env_file_needs():
    policy = wanted("acme-production.yaml")["iam role vend-acme-production-instance"].props["policy"]
    sids = {s["Sid"]: s for s in policy["Statement"]}
    assert sids["OwnDatabase"]["Action"] == ["rds:DescribeDBInstances"]
    assert sids["OwnDatabase"]["Resource"] == ["arn:aws:rds:eu-west-1:123456789012:db:vend-acme-production"]
    assert sids["OwnParameters"]["Resource"] == ["arn:aws:ssm:eu-west-1:123456789012:parameter/vend/acme/production/*"]


def test_log_retention_comes_from_the_config():
    assert wanted("acme-production.yaml")["log group /vend/acme/production"].props == {"retention_days": 365}
    assert wanted("acme-staging.yaml")["log group /vend/acme/staging"].props == {"retention_days": 30}
