"""The emulator's "AWS refuses this" layer, through the moto server over HTTP."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from vendor.sandbox import refusals
from vendor.sandbox.certificates import self_signed

REGION = "eu-west-1"


def test_every_rule_names_its_source_and_code():
    rules = refusals.rules()
    assert rules, "no refusal registered"
    for rule in rules:
        assert rule.source.startswith("https://docs.aws.amazon.com/") or rule.source.startswith("AWS error "), rule
        assert rule.code and rule.summary


def _elbv2(moto_url):
    return boto3.client("elbv2", region_name=REGION, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _listener(moto_url, name: str = "refusal-test") -> tuple[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    elbv2 = _elbv2(moto_url)
    lb = elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                                     DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]["ListenerArn"]
    return listener, tg


def test_a_condition_with_four_values_is_refused(moto_url):
    listener, tg = _listener(moto_url)
    elbv2 = _elbv2(moto_url)
    hosts = [f"h{i}.example.com" for i in range(4)]
    with pytest.raises(ClientError) as refused:
        elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=[{"Type": "forward", "TargetGroupArn": tg}],
                          Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": hosts}}])
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert "at most 3 values" in refused.value.response["Error"]["Message"]
    elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=[{"Type": "forward", "TargetGroupArn": tg}],
                      Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": hosts[:3]}}])


def _ec2(moto_url):
    return boto3.client("ec2", region_name=REGION, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _refused(call, code: str) -> str:
    with pytest.raises(ClientError) as refused:
        call()
    assert refused.value.response["Error"]["Code"] == code, refused.value.response
    return refused.value.response["Error"]["Message"]


def _forward(tg):
    return [{"Type": "forward", "TargetGroupArn": tg}]


def test_a_rule_with_six_values_is_refused(moto_url):
    listener, tg = _listener(moto_url, "refusal-values")
    elbv2 = _elbv2(moto_url)
    conditions = [{"Field": "host-header", "HostHeaderConfig": {"Values": ["a.example", "b.example", "c.example"]}},
                  {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/a", "/b", "/c"]}}]
    message = _refused(lambda: elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=_forward(tg),
                                                 Conditions=conditions), "ValidationError")
    assert message == "A rule can have at most 5 condition values in all; 6 were given"
    conditions[1]["PathPatternConfig"]["Values"].pop()
    rule = elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=_forward(tg), Conditions=conditions)
    conditions[1]["PathPatternConfig"]["Values"].append("/c")
    message = _refused(lambda: elbv2.modify_rule(RuleArn=rule["Rules"][0]["RuleArn"], Conditions=conditions),
                       "ValidationError")
    assert message == "A rule can have at most 5 condition values in all; 6 were given"
    four = [{"Field": "host-header", "HostHeaderConfig": {"Values": ["a.example", "b.example", "c.example", "d.example"]}}]
    message = _refused(lambda: elbv2.modify_rule(RuleArn=rule["Rules"][0]["RuleArn"], Conditions=four), "ValidationError")
    assert message == "A rule condition ('host-header') can have at most 3 values; 4 were given"


def test_a_rule_with_six_wildcards_is_refused(moto_url):
    listener, tg = _listener(moto_url, "refusal-wildcards")
    elbv2 = _elbv2(moto_url)
    conditions = [{"Field": "host-header", "HostHeaderConfig": {"Values": ["*.a.example", "*.b.example"]}},
                  {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/a/*/*", "/b/*/?"]}}]
    message = _refused(lambda: elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=_forward(tg),
                                                 Conditions=conditions), "ValidationError")
    assert message == "A rule can have at most 5 wildcards; 6 were given"
    conditions[1]["PathPatternConfig"]["Values"] = ["/a/*/*", "/b/*"]
    rule = elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=_forward(tg), Conditions=conditions)
    conditions[1]["PathPatternConfig"]["Values"] = ["/a/*/*", "/b/*?"]
    message = _refused(lambda: elbv2.modify_rule(RuleArn=rule["Rules"][0]["RuleArn"], Conditions=conditions),
                       "ValidationError")
    assert message == "A rule can have at most 5 wildcards; 6 were given"


def test_a_rule_forwarding_to_a_target_group_in_another_vpc_is_refused(moto_url):
    listener, tg = _listener(moto_url, "refusal-vpc")
    elbv2, ec2 = _elbv2(moto_url), _ec2(moto_url)
    other_vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    other = elbv2.create_target_group(Name="refusal-other-vpc", Protocol="HTTP", Port=80,
                                      VpcId=other_vpc)["TargetGroups"][0]["TargetGroupArn"]
    hosts = [{"Field": "host-header", "HostHeaderConfig": {"Values": ["a.example"]}}]
    message = _refused(lambda: elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=_forward(other),
                                                 Conditions=hosts), "InvalidConfigurationRequest")
    assert f"is in VPC '{other_vpc}'" in message
    rule = elbv2.create_rule(ListenerArn=listener, Priority=10, Actions=_forward(tg), Conditions=hosts)["Rules"][0]
    _refused(lambda: elbv2.modify_rule(RuleArn=rule["RuleArn"], Actions=_forward(other)), "InvalidConfigurationRequest")


def test_a_security_group_rule_referencing_another_vpc_is_refused(moto_url):
    ec2 = _ec2(moto_url)
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"] for n in (81, 82)]
    app, alb, same = [ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
                      for name, vpc in (("app", vpcs[0]), ("alb", vpcs[1]), ("alb-same", vpcs[0]))]
    permission = lambda source: [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,  # noqa: E731
                                  "UserIdGroupPairs": [{"GroupId": source}]}]
    message = _refused(lambda: ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=permission(alb)),
                       "InvalidGroup.NotFound")
    assert message == f"The security group '{alb}' does not exist in VPC '{vpcs[0]}' (it is in '{vpcs[1]}')"
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=permission(same))


def test_more_than_25_certificates_per_load_balancer_are_refused(moto_url):
    """moto counts per listener; AWS counts the extra (SNI) certificates of all listeners of the load balancer."""
    listener, tg = _listener(moto_url, "refusal-certs")
    elbv2 = _elbv2(moto_url)
    acm = boto3.client("acm", region_name=REGION, endpoint_url=moto_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    lb = elbv2.describe_listeners(ListenerArns=[listener])["Listeners"][0]["LoadBalancerArn"]
    cert, key = self_signed("default.example")
    default = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]  # ISSUED
    https = [elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=port, Certificates=[{"CertificateArn": default}],
                                   DefaultActions=_forward(tg))["Listeners"][0]["ListenerArn"] for port in (443, 8443)]
    fake = [f"arn:aws:acm:{REGION}:123456789012:certificate/00000000-0000-0000-0000-{i:012d}" for i in range(26)]
    for i, arn in enumerate(fake[:25]):
        elbv2.add_listener_certificates(ListenerArn=https[i % 2], Certificates=[{"CertificateArn": arn}])
    message = _refused(lambda: elbv2.add_listener_certificates(ListenerArn=https[1], Certificates=[{"CertificateArn": fake[25]}]),
                       "TooManyCertificates")
    assert message.endswith("26 besides the default ones, at most 25")
