"""RDS rules of the emulator's "AWS refuses this" layer and its engine catalog, through the moto server."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

REGION = "eu-west-1"


def _client(moto_url, service):
    return boto3.client(service, region_name=REGION, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _subnets(moto_url, zones: str) -> list[str]:
    ec2 = _client(moto_url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    return [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.78.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
            for i, z in enumerate(zones)]


def _refused(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    return refused.value.response["Error"]


def test_a_deprecated_engine_version_is_refused_and_a_major_version_is_taken(moto_url):
    rds = _client(moto_url, "rds")
    args = dict(Engine="postgres", DBInstanceClass="db.t4g.micro", AllocatedStorage=20, MasterUsername="admin1",
                ManageMasterUserPassword=True)
    error = _refused(rds.create_db_instance, DBInstanceIdentifier="refused-16-3", EngineVersion="16.3", **args)
    assert (error["Code"], error["Message"]) == ("InvalidParameterCombination", "Cannot find version 16.3 for postgres")
    error = _refused(rds.create_db_instance, DBInstanceIdentifier="refused-class", EngineVersion="16",
                     **{**args, "DBInstanceClass": "db.x9.huge"})
    assert error["Code"] == "InvalidParameterCombination" and "DBInstanceClass=db.x9.huge" in error["Message"]
    rds.create_db_instance(DBInstanceIdentifier="taken-16", EngineVersion="16", **args)
    rds.create_db_instance(DBInstanceIdentifier="taken-16-9", EngineVersion="16.9", **args)


def test_identifiers_with_two_hyphens_are_refused(moto_url):
    error = _refused(_client(moto_url, "rds").create_db_instance, DBInstanceIdentifier="vend-a--b-staging",
                     Engine="postgres", EngineVersion="16", DBInstanceClass="db.t4g.micro", AllocatedStorage=20,
                     MasterUsername="admin1", ManageMasterUserPassword=True)
    assert error["Code"] == "InvalidParameterValue"


def test_a_subnet_group_in_one_zone_is_refused(moto_url):
    rds = _client(moto_url, "rds")
    one, other, two = _subnets(moto_url, "aab")
    error = _refused(rds.create_db_subnet_group, DBSubnetGroupName="one-zone", DBSubnetGroupDescription="x",
                     SubnetIds=[one, other])
    assert error == {"Code": "DBSubnetGroupDoesNotCoverEnoughAZs", "Message":
                     "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. "
                     "Current AZ coverage: eu-west-1a. Add subnets to cover at least 2 AZs.", "Type": "Sender"}
    rds.create_db_subnet_group(DBSubnetGroupName="two-zones", DBSubnetGroupDescription="x", SubnetIds=[one, two])
    error = _refused(rds.modify_db_subnet_group, DBSubnetGroupName="two-zones", SubnetIds=[one, other])
    assert error["Code"] == "DBSubnetGroupDoesNotCoverEnoughAZs"


def test_engine_versions_and_orderable_options_are_listed(moto_url):
    rds = _client(moto_url, "rds")
    versions = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="16")["DBEngineVersions"]
    assert [v["EngineVersion"] for v in versions] == ["16.8", "16.9"]
    default = rds.describe_db_engine_versions(Engine="mysql", DefaultOnly=True)["DBEngineVersions"]
    assert [v["EngineVersion"] for v in default] == ["8.0.42", "8.4.5"]
    options = rds.describe_orderable_db_instance_options(Engine="postgres", EngineVersion="16.9",
                                                         DBInstanceClass="db.t4g.micro")["OrderableDBInstanceOptions"]
    assert [(o["EngineVersion"], o["DBInstanceClass"]) for o in options] == [("16.9", "db.t4g.micro")]
    assert rds.describe_orderable_db_instance_options(Engine="postgres", DBInstanceClass="db.x9.huge")[
        "OrderableDBInstanceOptions"] == []
