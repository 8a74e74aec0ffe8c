"""Certificate rules of the emulator's "AWS refuses this" layer, through the moto server."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from vendor.sandbox.certificates import self_signed

REGION = "eu-west-1"


def _client(moto_url, service):
    return boto3.client(service, region_name=REGION, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _load_balancer(moto_url, name: str) -> tuple[str, str]:
    ec2 = _client(moto_url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.79.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.79.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    elbv2 = _client(moto_url, "elbv2")
    lb = elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    return lb, tg


def test_a_certificate_pending_validation_is_refused_on_a_listener(moto_url):
    acm, elbv2 = _client(moto_url, "acm"), _client(moto_url, "elbv2")
    pending = acm.request_certificate(DomainName="pending.example.com", ValidationMethod="DNS")["CertificateArn"]
    assert acm.describe_certificate(CertificateArn=pending)["Certificate"]["Status"] == "PENDING_VALIDATION"
    cert, key = self_signed("issued.example.com")
    issued = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    lb, tg = _load_balancer(moto_url, "cert-refusal")
    https = dict(LoadBalancerArn=lb, Protocol="HTTPS", Port=443, SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                 DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    with pytest.raises(ClientError) as refused:
        elbv2.create_listener(Certificates=[{"CertificateArn": pending}], **https)
    error = refused.value.response["Error"]
    assert error["Code"] == "UnsupportedCertificate"
    assert "its status is PENDING_VALIDATION; only an ISSUED certificate can be used" in error["Message"]
    listener = elbv2.create_listener(Certificates=[{"CertificateArn": issued}], **https)["Listeners"][0]["ListenerArn"]
    with pytest.raises(ClientError) as refused:
        elbv2.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": pending}])
    assert refused.value.response["Error"]["Code"] == "UnsupportedCertificate"
    with pytest.raises(ClientError) as refused:
        elbv2.modify_listener(ListenerArn=listener, Certificates=[{"CertificateArn": pending}])
    assert refused.value.response["Error"]["Code"] == "UnsupportedCertificate"
