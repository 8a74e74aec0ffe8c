"""Stand-ins in the emulator for what a config says the customer already has: the network under
the config's ids, the certificate at the config's ARN; the stack then applies against them."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.aws.conftest import CONFIGS, PRODUCTION_CERT, load
from vendor.aws import executor, stand_ins
from vendor.aws.stack_ops import load_stack
from vendor.sandbox.certificates import self_signed
from vendor.sandbox.moto_stand_ins import ID_TAG

VPC, SUBNETS = "vpc-0feedface0000001", ["subnet-0feedface0000001", "subnet-0feedface0000002"]


def test_network_stand_in_takes_the_configs_ids_once(cloud):
    ec2 = cloud.client("ec2")
    assert stand_ins.network_at(ec2, VPC, SUBNETS, ["eu-west-1a", "eu-west-1b"]) == [VPC, *SUBNETS]
    assert stand_ins.network_at(ec2, VPC, SUBNETS, ["eu-west-1a", "eu-west-1b"]) == []  # converged
    subnets = ec2.describe_subnets(SubnetIds=SUBNETS)["Subnets"]
    assert {(s["SubnetId"], s["VpcId"], s["AvailabilityZone"]) for s in subnets} == {
        (SUBNETS[0], VPC, "eu-west-1a"), (SUBNETS[1], VPC, "eu-west-1b")}
    tags = ec2.describe_vpcs(VpcIds=[VPC])["Vpcs"][0]["Tags"]
    assert {"Key": ID_TAG, "Value": VPC} in tags
    other = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]  # untagged: moto's own id
    assert other.startswith("vpc-") and other != VPC


def test_certificate_stand_in_at_the_configs_arn(cloud):
    acm = cloud.client("acm")
    assert not stand_ins.certificate_exists(acm, PRODUCTION_CERT)
    assert stand_ins.certificate_at(acm, PRODUCTION_CERT, self_signed("shop.acme.example"))
    assert not stand_ins.certificate_at(acm, PRODUCTION_CERT, self_signed("shop.acme.example"))
    detail = acm.describe_certificate(CertificateArn=PRODUCTION_CERT)["Certificate"]
    assert (detail["DomainName"], detail["Status"]) == ("shop.acme.example", "ISSUED")
    with pytest.raises(ClientError):  # another account's ARN stays refused, as AWS refuses it
        acm.import_certificate(CertificateArn=PRODUCTION_CERT.replace("123456789012", "999999999999"),
                               Certificate=self_signed("x.example")[0], PrivateKey=self_signed("x.example")[1])


def test_staging_example_applies_against_its_stand_in_network(cloud):
    ctx, cf = cloud.context(), load(CONFIGS / "acme-staging.yaml")
    network = cf.config.network
    stand_ins.network_at(ctx.client("ec2"), network.vpc_id, [*network.public_subnet_ids, *network.private_subnet_ids],
                         ["eu-west-1a", "eu-west-1b"])
    arn, _ = stand_ins.shared_certificate_for(ctx, self_signed("sandbox.vend.invalid"))  # or an earlier test's
    assert stand_ins.shared_certificate_for(ctx, self_signed("other")) == (arn, False)
    cloud.bake("acme", "staging")
    outcome = executor.apply(ctx, load_stack(ctx, cf).resources)
    assert outcome.changed > 10
    assert executor.apply(ctx, load_stack(ctx, cf).resources).changed == 0
