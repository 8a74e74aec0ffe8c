"""IAM policies of an environment's roles: what AWS needs that moto never checks, and parliament's lint."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from parliament import analyze_policy_string, enhance_finding

from vendor.config.loader import load_config
from vendor.plan.naming import Facts
from vendor.plan.stack import stack

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
EXAMPLES = ["acme-production.yaml", "acme-staging.yaml", "globex-development.yaml"]
FACTS = Facts("123456789012", "eu-west-1", ("eu-west-1a", "eu-west-1b", "eu-west-1c"), "ami-0123456789abcdef0")
ACCEPTED_SEVERITIES = {"LOW", "INFO", "MUTE"}


def roles(name: str) -> dict:
    return {r.name: r.props for r in stack(load_config(CONFIGS / name).config, FACTS) if r.kind == "iam role" and r.present}  # absent ones have no policy


def statements(name: str, role: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in roles(name)[role]["policy"]["Statement"]}


def test_codedeploy_can_launch_from_the_launch_template():
    """CodeDeploy with a launch-template ASG needs RunInstances, CreateTags and PassRole (AWS's
    CodeDeploy service role documentation); AWSCodeDeployRole's reads come along."""
    s = statements("acme-staging.yaml", "vend-acme-staging-codedeploy")
    assert s["LaunchFromTemplate"] == {
        "Sid": "LaunchFromTemplate", "Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:CreateTags"],
        "Resource": ["arn:aws:ec2:eu-west-1:123456789012:*", "arn:aws:ec2:eu-west-1::image/*"]}
    assert s["PassInstanceRole"] == {
        "Sid": "PassInstanceRole", "Effect": "Allow", "Action": ["iam:PassRole"],
        "Resource": ["arn:aws:iam::123456789012:role/vend/vend-acme-staging-instance"],
        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}
    assert {"autoscaling:DescribeNotificationConfigurations", "autoscaling:DescribePolicies",
            "autoscaling:DescribeScheduledActions", "autoscaling:DescribeWarmPool", "cloudwatch:DescribeAlarms",
            "elasticloadbalancing:DescribeTargetGroupAttributes"} <= set(s["Describe"]["Action"])


@pytest.mark.parametrize("name", EXAMPLES)
def test_service_trust_policies_are_limited_to_the_account(name):
    for role, props in roles(name).items():
        [statement] = props["trust"]["Statement"]
        if role.endswith("-instance"):  # EC2 does not send aws:SourceAccount when it assumes an instance role
            assert "Condition" not in statement
        else:
            assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}, role


def _lint(document: dict) -> list[str]:
    policy = analyze_policy_string(json.dumps(document), ignore_private_auditors=True)
    out = []
    for finding in policy.findings:
        enhance_finding(finding)
        if finding.severity not in ACCEPTED_SEVERITIES:
            out.append(f"{finding.severity} {finding.issue}: {finding.detail}")
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_parliament_finds_nothing_above_low(name):
    """Every rendered policy, linted by parliament. A trust policy has no Resource element (IAM
    refuses one there); it is linted as the role's resource policy, with the role as Resource."""
    for role, props in roles(name).items():
        assert _lint(props["policy"]) == [], role
        trust = {**props["trust"], "Statement": [{**s, "Resource": f"arn:aws:iam::123456789012:role/vend/{role}"}
                                                 for s in props["trust"]["Statement"]]}
        assert _lint(trust) == [], role


def test_parliament_catches_what_it_is_here_for():
    """The lint is live: a condition key the action does not know and a statement without Resource
    are findings above LOW."""
    bad = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"],
         "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}},
        {"Effect": "Allow", "Action": ["iam:PassRole"]}]}
    assert [line.split(":")[0] for line in _lint(bad)] == ["MEDIUM UNKNOWN_CONDITION_FOR_ACTION", "HIGH MALFORMED"]
