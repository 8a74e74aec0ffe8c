"""The wanted resources of the example configs, compared exactly where it matters."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vendor.config.loader import load_config
from vendor.plan.naming import Facts
from vendor.plan.network import NetworkPlanError
from vendor.plan.policies import UNSCOPED
from vendor.plan.resources import Ref
from vendor.plan.stack import stack

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
FACTS = Facts("123456789012", "eu-west-1", ("eu-west-1a", "eu-west-1b", "eu-west-1c"), "ami-0123456789abcdef0")


def wanted(name: str, facts: Facts = FACTS):
    return {r.key: r for r in stack(load_config(CONFIGS / name).config, facts)}


def test_production_network_spans_three_zones_with_nat():
    res = wanted("acme-production.yaml")
    assert res["subnet vend-acme-production-public-3"].props == {
        "vpc": Ref("vpc", "vend-acme-production"), "cidr": "10.20.64.0/19", "zone": "eu-west-1c", "public_ips": True}
    assert res["subnet vend-acme-production-private-1"].props["cidr"] == "10.20.128.0/19"
    assert res["route table vend-acme-production-private"].props["routes"] == {
        "0.0.0.0/0": Ref("nat gateway", "vend-acme-production")}


def test_production_gets_a_dedicated_alb_and_no_shared_one():
    res = wanted("acme-production.yaml")
    assert res["listener vend-acme-production-https"].props == {
        "load_balancer": Ref("load balancer", "vend-acme-production", "arn"), "port": 443, "protocol": "HTTPS",
        "certificate": "arn:aws:acm:eu-west-1:123456789012:certificate/6f1c2a44-9b1e-4c8e-a0a3-2f0d6f8e1b11",
        "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "default": {"type": "fixed-response", "status": "503", "content_type": "text/plain", "body": "host not found"}}
    assert res["listener vend-acme-production-http"].props["default"] == {
        "type": "redirect", "protocol": "HTTPS", "port": "443", "status": "HTTP_301"}
    assert "load balancer vend-shared-1" not in res
    assert not res["listener rule vend-acme-production-shared"].present


def test_instances_take_traffic_only_from_the_load_balancer():
    res = wanted("acme-production.yaml")
    assert res["security group vend-acme-production-app"].props["ingress"] == [
        {"port": 80, "source": Ref("load balancer", "vend-acme-production", "security_group")}]
    assert res["security group vend-acme-production-db"].props["ingress"] == [
        {"port": 5432, "source": Ref("security group", "vend-acme-production-app")}]


def test_launch_template_requires_imdsv2_and_encrypts_ebs():
    props = wanted("acme-production.yaml")["launch template vend-acme-production"].props
    assert (props["metadata_tokens"], props["encrypted"], props["image"], props["volume_gb"]) == (
        "required", True, "ami-0123456789abcdef0", 20)
    assert props["profile"] == "arn:aws:iam::123456789012:instance-profile/vend/vend-acme-production-instance"


def test_production_database_defaults():
    props = wanted("acme-production.yaml")["database vend-acme-production"].props
    assert {k: props[k] for k in ("multi_az", "backup_days", "deletion_protection", "managed_password",
                                  "final_snapshot", "public")} == {
        "multi_az": True, "backup_days": 7, "deletion_protection": True, "managed_password": True,
        "final_snapshot": True, "public": False}


def test_staging_uses_given_network_and_the_shared_alb():
    res = wanted("acme-staging.yaml")
    assert not res["vpc vend-acme-staging"].present
    assert res["load balancer vend-shared-1"].shared
    assert res["load balancer vend-shared-1"].props["subnets"] == ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"]
    assert res["listener rule vend-acme-staging-shared"].props == {
        "load_balancers": ["vend-shared-1"], "hosts": ["staging.shop.acme.example"], "paths": [],
        "target_group": Ref("target group", "vend-acme-staging", "arn"), "band": "host-only", "certificate": None}
    assert not res["sns topic vend-acme-staging-approvals"].present
    assert [s["name"] for s in res["pipeline vend-acme-staging"].props["stages"]] == ["Source", "Build", "Deploy"]


def test_production_pipeline_waits_for_approval():
    stages = wanted("acme-production.yaml")["pipeline vend-acme-production"].props["stages"]
    assert [s["name"] for s in stages] == ["Source", "Build", "Approve", "Deploy"]
    assert stages[2]["actions"][0]["configuration"]["NotificationArn"] == (
        "arn:aws:sns:eu-west-1:123456789012:vend-acme-production-approvals")
    assert stages[0]["actions"][0]["provider"] == "CodeCommit"


def test_approval_action_times_out_as_configured_and_carries_json_custom_data():
    stages = wanted("acme-production.yaml")["pipeline vend-acme-production"].props["stages"]
    approve = stages[2]["actions"][0]
    assert approve["timeout_minutes"] == 24 * 60  # pipeline/approval_timeout_hours defaults to 24
    assert json.loads(approve["configuration"]["CustomData"]) == {
        "customer": "acme", "environment": "production",
        "approvers": ["release-manager@acme.example", "cto@acme.example"]}


def test_s3_source_is_started_by_an_eventbridge_rule_on_the_uploaded_key(tmp_path):
    text = (CONFIGS / "acme-staging.yaml").read_text().replace("repository: acme-shop",
                                                              "repository: git@example.com:acme/shop.git")
    (tmp_path / "acme-staging.yaml").write_text(text)
    shutil.copytree(CONFIGS / "acme", tmp_path / "acme")
    res = {r.key: r for r in stack(load_config(tmp_path / "acme-staging.yaml").config, FACTS)}
    source = res["pipeline vend-acme-staging"].props["stages"][0]["actions"][0]["configuration"]
    assert source["PollForSourceChanges"] == "false"
    rule = res["event rule vend-acme-staging-source"]
    assert json.loads(rule.props["pattern"]) == {
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [source["S3Bucket"]]}, "object": {"key": [source["S3ObjectKey"]]}}}
    assert rule.props["target"] == "arn:aws:codepipeline:eu-west-1:123456789012:vend-acme-staging"
    assert rule.props["role"] == "arn:aws:iam::123456789012:role/vend/vend-acme-staging-events"
    assert res["iam role vend-acme-staging-events"].props["policy"]["Statement"] == [{
        "Sid": "StartPipeline", "Effect": "Allow", "Action": ["codepipeline:StartPipelineExecution"],
        "Resource": ["arn:aws:codepipeline:eu-west-1:123456789012:vend-acme-staging"]}]
    assert res[f"s3 bucket {source['S3Bucket']}"].props["eventbridge"] is True


def test_connection_source_needs_no_rule():
    res = wanted("globex-development.yaml")
    assert not res["event rule vend-globex-development-source"].present
    assert not res["iam role vend-globex-development-events"].present


def test_instances_are_health_checked_by_ec2_until_the_app_is_deployed():
    group = "auto-scaling group vend-acme-production"
    assert wanted("acme-production.yaml")[group].props["health_check_type"] == "EC2"
    deployed = Facts(**{**FACTS.__dict__, "app_deployed": True})
    assert wanted("acme-production.yaml", deployed)[group].props["health_check_type"] == "ELB"


def test_deployment_group_is_one_at_a_time_with_rollback():
    assert wanted("acme-production.yaml")["deployment group vend-acme-production"].props == {
        "role": "arn:aws:iam::123456789012:role/vend/vend-acme-production-codedeploy",
        "config": "CodeDeployDefault.OneAtATime", "auto_scaling_groups": ["vend-acme-production"],
        "target_groups": ["vend-acme-production"], "traffic_control": True,
        "auto_rollback": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]}


@pytest.mark.parametrize("config", ["acme-production.yaml", "acme-staging.yaml", "globex-development.yaml"])
def test_policies_use_star_only_for_unscoped_actions(config):
    roles = [r for r in wanted(config).values() if r.kind == "iam role" and r.present]
    # instance, codebuild, codedeploy, codepipeline; and EventBridge's where a rule starts the pipeline
    assert len(roles) == (4 if config == "globex-development.yaml" else 5)
    for role in roles:
        for statement in role.props["policy"]["Statement"]:
            if "*" in statement["Resource"]:
                assert set(statement["Action"]) <= UNSCOPED, (role.name, statement["Sid"])


def test_globex_connection_source_is_scoped_to_the_connection():
    res = wanted("globex-development.yaml")
    statements = res["iam role vend-globex-development-codepipeline"].props["policy"]["Statement"]
    assert [s for s in statements if s["Sid"] == "Source"] == [{
        "Sid": "Source", "Effect": "Allow",
        "Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
        "Resource": ["arn:aws:codestar-connections:us-east-1:123456789012:connection/"
                     "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                     "arn:aws:codeconnections:us-east-1:123456789012:connection/"
                     "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"]}]


def test_too_few_zones_is_an_error():
    facts = Facts("123456789012", "eu-west-1", ("eu-west-1a", "eu-west-1b"), None)
    with pytest.raises(NetworkPlanError, match="^network/create/az_count is 3 but eu-west-1 has 2 available zones; "
                                               "lower az_count$"):
        wanted("acme-production.yaml", facts)


def test_database_wants_a_major_version_and_aws_minor_upgrades_are_kept():
    """The examples name a major version; a database AWS upgraded to a newer minor is not "downgraded"."""
    from vendor.plan.diff import plan_apply
    from vendor.plan.resources import Observed

    db = wanted("acme-staging.yaml")["database vend-acme-staging"]
    assert db.props["version"] == "16"
    have = {k: v for k, v in db.props.items() if k != "final_snapshot"}
    have["security_groups"] = ["sg-1"]
    observed = {"security group vend-acme-staging-db": Observed("sg-1"),
                db.key: Observed("vend-acme-staging", {**have, "version": "16.9"})}
    for version in ("16", "16.3", "16.9"):
        moved = type(db)(db.kind, db.name, {**db.props, "version": version}, immutable=db.immutable,
                         create_only=db.create_only, versions=db.versions)
        [step] = [s for s in plan_apply([moved], observed) if s.key == db.key]
        assert step.action == "keep", (version, step.changes)
    newer = type(db)(db.kind, db.name, {**db.props, "version": "17"}, immutable=db.immutable,
                     create_only=db.create_only, versions=db.versions)
    [step] = plan_apply([newer], observed)
    assert step.action == "update" and [(c.field, c.old, c.new) for c in step.changes] == [("version", "16.9", "17")]
