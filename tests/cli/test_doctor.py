"""`vend doctor` through the CLI against the emulator: a report per check, exit 1 while anything is to fix."""
from __future__ import annotations

import re

from click.testing import CliRunner

from tests.aws.conftest import PRODUCTION_CERT, Cloud, copy_config
from vendor.cli.main import cli

REGION = "ap-northeast-1"


def _doctor(monkeypatch, moto_url, tmp_path, *paths) -> tuple[int, str]:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("VEND_BUILDER", "local")
    monkeypatch.delenv("VEND_MAIL_TRANSPORT", raising=False)
    result = CliRunner().invoke(cli, ["doctor", *map(str, paths)])
    output = re.sub(r"vpc-[0-9a-f]{17}", "vpc-ID", result.output.replace(moto_url, "URL"))
    return result.exit_code, output


def test_doctor_reports_what_to_fix_then_passes(monkeypatch, moto_url, tmp_path):
    cloud = Cloud(moto_url)
    pending = cloud.client("acm", REGION).request_certificate(DomainName="shop.acme.example")["CertificateArn"]
    path = copy_config("acme-production.yaml", tmp_path, {"region: eu-west-1": f"region: {REGION}",
                                                          PRODUCTION_CERT: pending, 'version: "16"': 'version: "16.3"'})
    code, output = _doctor(monkeypatch, moto_url, tmp_path, path)
    assert code == 1
    assert output == f"""vend doctor (endpoint URL):
  ok    packer  Packer 1.6.6 for the local builder (plugin built in or not needed)
acme/production in {REGION}:
  ok    credentials    account 123456789012 as arn:aws:sts::123456789012:user/moto, region {REGION}
  ok    build network  default VPC vpc-ID
  FAIL  certificate    certificate {pending} is PENDING_VALIDATION, not ISSUED
                       fix: add the DNS validation records ACM shows for it and wait until it is ISSUED
  FAIL  database       RDS can no longer create postgres 16.3 in {REGION} (orderable: 16.8, 16.9)
                       fix: write the major version (version: "16") to get the newest minor, or one of the orderable versions
  ok    zones          3 of 3 zones for the new VPC
  --    connection     the source needs no CodeConnections connection
  --    ses sender     approvals do not mail through SES (VEND_MAIL_TRANSPORT)
service quotas in {REGION} (1 environment(s)):
  ok    quota vpcs            VPCs per Region: 1 in use + 1 new = 2 of 5
  ok    quota elastic_ips     EC2-VPC Elastic IPs: 0 in use + 1 new = 1 of 5
  ok    quota nat_gateways    NAT gateways per Availability Zone: 0 in use + 1 new = 1 of 5
  ok    quota load_balancers  Application Load Balancers per Region: 0 in use + 1 new = 1 of 50
8 ok, 2 to fix
"""
    issued = cloud.certificate("shop.acme.example", region=REGION)
    fixed = copy_config("acme-production.yaml", tmp_path, {"region: eu-west-1": f"region: {REGION}",
                                                           PRODUCTION_CERT: issued})
    code, output = _doctor(monkeypatch, moto_url, tmp_path, fixed)
    assert code == 0, output
    assert output.endswith("10 ok, 0 to fix: ready to bake and apply\n")
    assert "FAIL" not in output


def test_apply_refuses_a_stack_over_a_quota_before_changing_anything(monkeypatch, moto_url, tmp_path):
    region = "ap-southeast-1"
    cloud = Cloud(moto_url)
    ec2 = cloud.client("ec2", region)
    for i in range(4):
        ec2.create_vpc(CidrBlock=f"10.{110 + i}.0.0/16")
    cloud.certificate("*.globex.example", shared=True, region=region)
    cloud.bake("globex", "development", region=region)
    path = copy_config("globex-development.yaml", tmp_path, {"region: us-east-1": f"region: {region}",
                                                             "connection_arn: arn:aws:codestar-connections:us-east-1":
                                                             f"connection_arn: arn:aws:codestar-connections:{region}"})
    before = len(ec2.describe_vpcs()["Vpcs"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(cli, ["apply", str(path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "error: VPCs per Region: 5 in use + 1 new = 6 of 5 (request an increase of L-F678F1CE in Service Quotas (vpc), "
        "or use an existing VPC (network/vpc_id)); nothing was changed")
    assert len(ec2.describe_vpcs()["Vpcs"]) == before
