"""Moto ELBv2 scaffolding shared by the load-balancer tests: clients, a shared ALB with listeners."""
import boto3
import pytest

from vendor.sandbox.certificates import self_signed

REGION = "eu-west-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def clients(endpoint_url=None):
    session = boto3.session.Session(region_name=REGION, **CREDENTIALS)
    return {name: session.client(name, endpoint_url=endpoint_url) for name in ("ec2", "elbv2", "acm")}


def shared_alb(c, name="vend-shared-1", *, https=True, http=False, cidr=1):
    """A load balancer with an HTTPS:443 (and optionally HTTP:80) listener; returns ARNs."""
    vpc = c["ec2"].create_vpc(CidrBlock=f"10.{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnets = [c["ec2"].create_subnet(VpcId=vpc, CidrBlock=f"10.{cidr}.{i}.0/24",
                                      AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("ab")]
    lb = c["elbv2"].create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    out = {"name": name, "lb": lb, "vpc": vpc, "tg": target_group(c, f"{name}-tg", vpc)}
    not_found = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
    if https:
        pem, key = self_signed("*.example.com")  # imported, so ISSUED: a listener refuses a pending one
        cert = c["acm"].import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
        out["https"] = c["elbv2"].create_listener(
            LoadBalancerArn=lb, Protocol="HTTPS", Port=443, DefaultActions=not_found,
            Certificates=[{"CertificateArn": cert}])["Listeners"][0]["ListenerArn"]
    if http:
        out["http"] = c["elbv2"].create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                                                 DefaultActions=not_found)["Listeners"][0]["ListenerArn"]
    return out


def target_group(c, name, vpc):
    created = c["elbv2"].create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)
    return created["TargetGroups"][0]["TargetGroupArn"]


