"""Plan-time database checks against the emulator: what RDS would refuse halfway through apply."""
from __future__ import annotations

import pytest

from tests.aws.conftest import copy_config, load
from vendor.aws.stack_ops import load_stack
from vendor.config.source import SourceError


def _problems(cloud, path) -> list[str]:
    with pytest.raises(SourceError) as caught:
        load_stack(cloud.context(), load(path))
    return [str(p).replace(str(path), "FILE") for p in caught.value.problems]


def test_a_version_rds_no_longer_creates_is_a_config_error(cloud, tmp_path):
    ids = cloud.existing_network()
    path = copy_config("acme-staging.yaml", tmp_path, {**ids, 'version: "16"': 'version: "16.3"'})
    assert _problems(cloud, path) == [
        "FILE:37 database/version: RDS can no longer create postgres 16.3 in eu-west-1 (orderable: 16.8, 16.9) "
        '(write the major version (version: "16") to get the newest minor, or one of the orderable versions)']


def test_an_instance_class_rds_does_not_offer_is_a_config_error(cloud, tmp_path):
    ids = cloud.existing_network()
    path = copy_config("acme-staging.yaml", tmp_path, {**ids, "  name: shop": "  name: shop\n  instance_class: db.x9.huge"})
    assert _problems(cloud, path) == [
        "FILE:37 database/version: RDS does not offer db.x9.huge for postgres 16.9 in eu-west-1 "
        "(choose an instance class listed by: aws rds describe-orderable-db-instance-options "
        "--engine postgres --engine-version 16.9)"]


def test_private_subnets_in_one_zone_are_a_config_error(cloud, tmp_path):
    ids = cloud.existing_network()
    ec2 = cloud.client("ec2")
    vpc = ids["vpc-0a1b2c3d4e5f60718"]
    same_zone = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.9.0/24", AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
    path = copy_config("acme-staging.yaml", tmp_path, {**ids, ids["subnet-0a3b4c5d6e7f80912"]: same_zone})
    assert _problems(cloud, path) == [
        "FILE:14 network/private_subnet_ids: the subnets are all in eu-west-1a; the database's subnet group must "
        "cover at least 2 availability zones (list subnets in 2 or more availability zones)"]


def test_the_examples_plan_cleanly(cloud, tmp_path):
    ids = cloud.existing_network()
    stack = load_stack(cloud.context(), load(copy_config("acme-staging.yaml", tmp_path, ids)))
    assert stack.resources
