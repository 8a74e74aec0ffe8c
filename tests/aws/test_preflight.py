"""`vend doctor`'s checks, each failing and passing against the emulator; Stubber where moto has no
such call (CodeConnections GetConnection, SES v2 GetAccount)."""
from __future__ import annotations

import boto3
from botocore.stub import Stubber

from tests.aws.conftest import CONFIGS, Cloud, copy_config, load
from vendor.aws import preflight
from vendor.aws.stack_ops import Target, context
from vendor.plan.preflight import Finding

CONNECTION = "arn:aws:codestar-connections:us-east-1:123456789012:connection/1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


def config(name: str, tmp_path, replace: dict[str, str] | None = None):
    return load(copy_config(name, tmp_path, replace or {})).config


def test_credentials(cloud, tmp_path, monkeypatch):
    assert preflight.credentials(cloud.context()) == Finding(
        "credentials", "ok", "account 123456789012 as arn:aws:sts::123456789012:user/moto, region eu-west-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    found = preflight.credentials(context(Target(endpoint_url=cloud.url), "eu-west-1"))
    assert (found.status, found.detail, found.fix) == (
        "fail", "no usable AWS credentials (Unable to locate credentials)", "aws configure (or aws sso login), or pass --profile")


def test_build_network(cloud, tmp_path):
    region = "ca-central-1"
    ctx = cloud.context(region)
    c = config("globex-development.yaml", tmp_path)
    found = preflight.build_network(ctx, c)
    assert found.status == "ok" and found.detail.startswith("default VPC vpc-")
    ec2 = cloud.client("ec2", region)
    [default] = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default["VpcId"]]}])["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    for igw in ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [default["VpcId"]]}])["InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=default["VpcId"])
    ec2.delete_vpc(VpcId=default["VpcId"])
    assert preflight.build_network(ctx, c) == Finding(
        "build network", "fail", "ca-central-1 has no default VPC, where Packer launches the build instance",
        "set image/build/subnet_id (and vpc_id) to a subnet Packer can reach over SSH")
    vpc = ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.90.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    built = config("globex-development.yaml", tmp_path, {"  volume_size_gb: 12": f"  volume_size_gb: 12\n  build:\n    subnet_id: {subnet}"})
    assert preflight.build_network(ctx, built) == Finding("build network", "ok", f"build subnet {subnet} (ca-central-1a)")
    missing = config("globex-development.yaml", tmp_path, {"  volume_size_gb: 12": "  volume_size_gb: 12\n  build:\n    subnet_id: subnet-0000000000000dead"})
    assert preflight.build_network(ctx, missing).detail == "build subnet subnet-0000000000000dead does not exist in ca-central-1"


def test_certificate(cloud, tmp_path):
    from tests.aws.conftest import PRODUCTION_CERT

    pending = cloud.client("acm").request_certificate(DomainName="shop.acme.example")["CertificateArn"]
    found = preflight.certificate(cloud.context(), config("acme-production.yaml", tmp_path, {PRODUCTION_CERT: pending}))
    assert (found.status, found.detail) == ("fail", f"certificate {pending} is PENDING_VALIDATION, not ISSUED")
    issued = cloud.certificate("shop.acme.example")
    assert preflight.certificate(cloud.context(), config("acme-production.yaml", tmp_path, {PRODUCTION_CERT: issued})) == \
        Finding("certificate", "ok", f"{issued} is ISSUED and covers shop.acme.example")
    assert preflight.certificate(cloud.context(), config("acme-staging.yaml", tmp_path)).status == "skip"


def test_database(cloud, tmp_path):
    ctx = cloud.context()
    assert preflight.database(ctx, config("acme-staging.yaml", tmp_path)) == Finding(
        "database", "ok", "postgres 16 on db.t4g.micro can be created (or runs) in eu-west-1")
    old = preflight.database(ctx, config("acme-staging.yaml", tmp_path, {'version: "16"': 'version: "16.3"'}))
    assert (old.status, old.detail) == ("fail", "RDS can no longer create postgres 16.3 in eu-west-1 (orderable: 16.8, 16.9)")
    assert preflight.database(ctx, config("globex-development.yaml", tmp_path)).status == "skip"


def test_zones(cloud, tmp_path):
    ids = cloud.existing_network()
    assert preflight.zones(cloud.context(), config("acme-staging.yaml", tmp_path, ids)) == Finding(
        "zones", "ok", "the subnets cover 2 or more availability zones")
    vpc = ids["vpc-0a1b2c3d4e5f60718"]
    same = cloud.client("ec2").create_subnet(VpcId=vpc, CidrBlock="10.50.9.0/24", AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
    one_zone = config("acme-staging.yaml", tmp_path, {**ids, ids["subnet-0a3b4c5d6e7f80912"]: same})
    assert preflight.zones(cloud.context(), one_zone) == Finding(
        "zones", "fail", "network/private_subnet_ids: the subnets are all in eu-west-1a; the database's subnet group "
        "must cover at least 2 availability zones", "list subnets in 2 or more availability zones")
    absent = preflight.zones(cloud.context(), config("acme-staging.yaml", tmp_path))
    assert absent.status == "fail" and "subnet-0aa11bb22cc33dd44, subnet-0ee55ff66aa77bb88 not found in eu-west-1" in absent.detail


class Mixed:
    """The emulator's clients, but `stubbed` services under a Stubber (moto has no such call)."""

    def __init__(self, ctx, *stubbed: str):
        self.ctx, self.region = ctx, ctx.region
        self.stubbed = {s: boto3.client(s, region_name=ctx.region, aws_access_key_id="x", aws_secret_access_key="y")
                        for s in stubbed}
        self.stubs = {s: Stubber(c) for s, c in self.stubbed.items()}

    def client(self, service):
        return self.stubbed.get(service) or self.ctx.client(service)


def test_connection(cloud, tmp_path):
    c = config("globex-development.yaml", tmp_path)
    ctx = Mixed(cloud.context("us-east-1"), "codeconnections")
    with ctx.stubs["codeconnections"] as stub:
        for status in ("PENDING", "AVAILABLE"):
            stub.add_response("get_connection", {"Connection": {
                "ConnectionName": "globex-github", "ConnectionArn": CONNECTION, "ProviderType": "GitHub",
                "ConnectionStatus": status}}, {"ConnectionArn": CONNECTION})
        assert preflight.connection(ctx, c) == Finding(
            "connection", "fail", "connection globex-github is PENDING, not AVAILABLE",
            "complete the handshake in the console: Developer Tools > Settings > Connections > Update pending connection")
        assert preflight.connection(ctx, c) == Finding("connection", "ok", "globex-github (GitHub) is AVAILABLE")
    assert preflight.connection(ctx, config("acme-staging.yaml", tmp_path)).status == "skip"


def test_ses_sender(cloud):
    ctx = Mixed(cloud.context("eu-central-1"), "sesv2")
    assert preflight.ses_sender(ctx, "approvals@acme.example") == Finding(
        "ses sender", "fail", "approvals@acme.example is not verified in SES in eu-central-1",
        "verify the address or the domain acme.example in SES (aws sesv2 create-email-identity)")
    cloud.client("ses", "eu-central-1").verify_domain_identity(Domain="acme.example")
    with ctx.stubs["sesv2"] as stub:
        stub.add_response("get_account", {"ProductionAccessEnabled": False, "SendingEnabled": True}, {})
        stub.add_response("get_account", {"ProductionAccessEnabled": True, "SendingEnabled": True}, {})
        assert preflight.ses_sender(ctx, "approvals@acme.example") == Finding(
            "ses sender", "fail", "approvals@acme.example is verified, but SES in eu-central-1 is in its sandbox: mail "
            "reaches only verified recipients", "request production access for SES in this region")
        assert preflight.ses_sender(ctx, "approvals@acme.example") == Finding(
            "ses sender", "ok", "acme.example is verified; SES has production access")


def test_service_quotas(cloud, tmp_path):
    region = "eu-north-1"
    c = config("acme-production.yaml", tmp_path, {"region: eu-west-1": f"region: {region}",
                                                  "certificate/": "certificate/", ":eu-west-1:": f":{region}:"})
    found = {f.check: f for f in preflight.service_quotas(cloud.context(region), [c])}
    assert found["quota vpcs"] == Finding("quota vpcs", "ok", "VPCs per Region: 1 in use + 1 new = 2 of 5")
    assert found["quota load_balancers"].detail == "Application Load Balancers per Region: 0 in use + 1 new = 1 of 50"
    ec2 = cloud.client("ec2", region)
    for i in range(4):
        ec2.create_vpc(CidrBlock=f"10.{100 + i}.0.0/16")
    found = {f.check: f for f in preflight.service_quotas(cloud.context(region), [c])}
    assert found["quota vpcs"] == Finding(
        "quota vpcs", "fail", "VPCs per Region: 5 in use + 1 new = 6 of 5",
        "request an increase of L-F678F1CE in Service Quotas (vpc), or use an existing VPC (network/vpc_id)")
