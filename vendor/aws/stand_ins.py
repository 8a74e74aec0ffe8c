"""Stand-ins in the embedded emulator for what a config says the customer already has in AWS:
its certificate and its network. Only the emulator creates resources under given ids (see
vendor.sandbox.moto_stand_ins); AWS refuses, as it should, so `vend up` alone calls these."""
from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import ClientError

from vendor.aws.base import code
from vendor.aws.observe import shared_certificate
from vendor.config.names import MANAGED_BY, SANDBOX_ID_TAG as ID_TAG

STAND_IN_CIDR = "10.250.0.0/16"  # the stand-in VPC's block; subnets are /24s in it


def certificate_exists(acm, arn: str) -> bool:
    try:
        acm.describe_certificate(CertificateArn=arn)
    except ClientError as e:
        if code(e) == "ResourceNotFoundException":
            return False
        raise
    return True


def certificate_at(acm, arn: str, pem: tuple[bytes, bytes]) -> bool:
    """Import certificate `pem` (cert, key) under `arn` unless that ARN exists; True if imported."""
    if certificate_exists(acm, arn):
        return False
    cert, key = pem
    acm.import_certificate(CertificateArn=arn, Certificate=cert, PrivateKey=key)
    return True


def shared_certificate_for(ctx, pem: tuple[bytes, bytes]) -> tuple[str, bool]:
    """(ARN of an issued certificate tagged ManagedBy=vend, Shared=true, True if imported now)."""
    found = shared_certificate(ctx)
    if found:
        return found, False
    cert, key = pem
    arn = ctx.client("acm").import_certificate(
        Certificate=cert, PrivateKey=key,
        Tags=[{"Key": "ManagedBy", "Value": MANAGED_BY}, {"Key": "Shared", "Value": "true"}])["CertificateArn"]
    return arn, True


def _exists(describe, key: str, ident: str) -> bool:
    try:
        return bool(describe(**{key: [ident]}))
    except ClientError as e:
        if code(e).endswith(".NotFound"):
            return False
        raise


def network_at(ec2, vpc_id: str, subnet_ids: Sequence[str], zones: Sequence[str]) -> list[str]:
    """A VPC `vpc_id` with subnets `subnet_ids` (spread over `zones`), unless they exist; the ids created."""
    created = []
    if not _exists(ec2.describe_vpcs, "VpcIds", vpc_id):
        ec2.create_vpc(CidrBlock=STAND_IN_CIDR, TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": ID_TAG, "Value": vpc_id}, {"Key": "Name", "Value": "stand-in"}]}])
        created.append(vpc_id)
    for i, subnet_id in enumerate(subnet_ids):
        if not _exists(ec2.describe_subnets, "SubnetIds", subnet_id):
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.250.{i}.0/24", AvailabilityZone=zones[i % len(zones)],
                              TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": ID_TAG, "Value": subnet_id}]}])
            created.append(subnet_id)
    return created
