"""Hosts of an auto-scaling group: its InService instances with their private addresses (moto)."""
from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from vendor.aws.fleet import NoSuchGroup, fleet


@mock_aws
def test_inservice_instances_become_hosts():
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    autoscaling = boto3.client("autoscaling", region_name="eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24", AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
    ec2.create_launch_template(LaunchTemplateName="vend-shop-staging",
                               LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.small"})
    autoscaling.create_auto_scaling_group(AutoScalingGroupName="vend-shop-staging", MinSize=2, MaxSize=2, DesiredCapacity=2,
                                          LaunchTemplate={"LaunchTemplateName": "vend-shop-staging"}, VPCZoneIdentifier=subnet)
    found = fleet(autoscaling, ec2, "vend-shop-staging", user="ubuntu", key_path=Path("/k"))
    assert len(found.hosts) == 2
    assert all(h.name.startswith("i-") and h.address.startswith("10.50.1.") for h in found.hosts)
    assert {h.user for h in found.hosts} == {"ubuntu"}
    assert found.instance_ids == {h.name: h.name for h in found.hosts}


@mock_aws
def test_missing_group_says_to_apply_first():
    with pytest.raises(NoSuchGroup) as e:
        fleet(boto3.client("autoscaling", region_name="eu-west-1"), boto3.client("ec2", region_name="eu-west-1"),
              "vend-nope-staging", user="u", key_path=Path("/k"))
    assert str(e.value) == "auto-scaling group vend-nope-staging does not exist (run vend apply first)"
