"""The emulator's "AWS refuses this" layer, through the moto server over HTTP."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from vendor.sandbox import refusals

REGION = "eu-west-1"


def test_every_rule_names_its_source_and_code():
    rules = refusals.rules()
    assert rules, "no refusal registered"
    for rule in rules:
        assert rule.source.startswith("https://docs.aws.amazon.com/") or rule.source.startswith("AWS error "), rule
        assert rule.code and rule.summary


def _elbv2(moto_url):
    return boto3.client("elbv2", region_name=REGION, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _listener(moto_url) -> tuple[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    elbv2 = _elbv2(moto_url)
    lb = elbv2.create_load_balancer(Name="refusal-test", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name="refusal-test", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                                     DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]["ListenerArn"]
    return listener, tg


def test_a_condition_with_four_values_is_refused(moto_url):
    listener, tg = _listener(moto_url)
    elbv2 = _elbv2(moto_url)
    hosts = [f"h{i}.example.com" for i in range(4)]
    with pytest.raises(ClientError) as refused:
        elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=[{"Type": "forward", "TargetGroupArn": tg}],
                          Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": hosts}}])
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert "at most 3 values" in refused.value.response["Error"]["Message"]
    elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=[{"Type": "forward", "TargetGroupArn": tg}],
                      Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": hosts[:3]}}])
