"""Fixtures for stack tests: a moto server over HTTP, and config copies seeded into it."""
from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from vendor.aws.calls import CallCounter
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.aws.stack_ops import Target, context
from vendor.config.loader import load_config
from vendor.sandbox.certificates import self_signed

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
REGION = "eu-west-1"


class Cloud:
    """Clients and stack contexts against the test moto server."""

    def __init__(self, url: str):
        self.url = url
        self.target = Target(endpoint_url=url, credentials=DUMMY_CREDENTIALS, label="moto")

    def client(self, service: str, region: str = REGION):
        key, secret = DUMMY_CREDENTIALS
        return boto3.client(service, region_name=region, endpoint_url=self.url, aws_access_key_id=key,
                            aws_secret_access_key=secret)

    def context(self, region: str = REGION, counter: CallCounter | None = None):
        ctx = context(self.target, region, counter or CallCounter())
        ctx.delay = 0
        return ctx

    def bake(self, customer: str, environment: str, region: str = REGION) -> str:
        ec2 = self.client("ec2", region)
        image = ec2.register_image(Name=f"vend-{customer}-{environment}-test", RootDeviceName="/dev/sda1")["ImageId"]
        ec2.create_tags(Resources=[image], Tags=[{"Key": "ManagedBy", "Value": "vend"},
                                                 {"Key": "Customer", "Value": customer},
                                                 {"Key": "Environment", "Value": environment}])
        return image

    def certificate(self, domain: str, *, shared: bool = False, region: str = REGION) -> str:
        """An imported (so ISSUED) self-signed certificate for `domain`."""
        tags = [{"Key": "ManagedBy", "Value": "vend"}, {"Key": "Shared", "Value": "true"}] if shared else []
        cert, key = self_signed(domain)
        kwargs = {"Tags": tags} if tags else {}
        return self.client("acm", region).import_certificate(Certificate=cert, PrivateKey=key, **kwargs)["CertificateArn"]

    def delete_shared_alb(self, name: str = "vend-shared-1", region: str = REGION) -> None:
        """Delete a shared ALB vend created (it outlives every environment by design), its listeners
        and its security group: the session's moto server is shared, and a shared ALB serves one VPC."""
        elbv2, ec2 = self.client("elbv2", region), self.client("ec2", region)
        lb = elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]
        for listener in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
        elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        groups = ec2.describe_security_groups(Filters=[{"Name": "tag:Name", "Values": [f"{name}-alb"]}])
        for group in groups["SecurityGroups"]:
            ec2.delete_security_group(GroupId=group["GroupId"])

    def existing_network(self, region: str = REGION, subnet_prefix: int = 24) -> dict[str, str]:
        """A VPC with 2 public and 2 private subnets (/subnet_prefix each), as a customer would already have."""
        ec2 = self.client("ec2", region)
        vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        ids = {"vpc-0a1b2c3d4e5f60718": vpc}
        olds = ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88", "subnet-0cc99dd00ee11ff22",
                "subnet-0a3b4c5d6e7f80912"]
        for i, old in enumerate(olds):
            zone = f"{region}{'ab'[i % 2]}"
            cidr = f"10.50.{i << (24 - subnet_prefix)}.0/{subnet_prefix}"
            ids[old] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        return ids


def copy_config(name: str, tmp_path: Path, replace: dict[str, str]) -> Path:
    """configs/<name> (and its acme/ files) copied to tmp_path with strings replaced."""
    text = (CONFIGS / name).read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    target = tmp_path / name
    target.write_text(text)
    (tmp_path / "acme").mkdir(exist_ok=True)
    for f in (CONFIGS / "acme").iterdir():
        (tmp_path / "acme" / f.name).write_bytes(f.read_bytes())
    return target


PRODUCTION_CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/6f1c2a44-9b1e-4c8e-a0a3-2f0d6f8e1b11"


@pytest.fixture
def cloud(moto_url) -> Cloud:
    return Cloud(moto_url)


def load(path: Path):
    return load_config(path)
