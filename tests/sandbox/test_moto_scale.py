"""moto with many environments in one emulator: per-group scaling policies, linear EC2 tag lookups."""
from __future__ import annotations

import logging

import boto3
import pytest
from moto import mock_aws
from moto.ec2.models.core import TaggedEC2Resource

from vendor.sandbox.moto_scale import scale_moto

REGION = "eu-west-1"


@pytest.fixture
def aws():
    scale_moto()
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION, aws_access_key_id="k",
                                           aws_secret_access_key="s")


def _group(aws, name: str, subnet: str) -> None:
    ec2, autoscaling = aws("ec2"), aws("autoscaling")
    template = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"ImageId": "ami-12c6146b"})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=0, MaxSize=1, VPCZoneIdentifier=subnet,
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplate"]["LaunchTemplateId"], "Version": "1"})


def test_each_group_keeps_its_own_policy_of_the_same_name(aws):
    vpc = aws("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = aws("ec2").create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    autoscaling = aws("autoscaling")
    for name, target in (("first", 40.0), ("second", 70.0)):
        _group(aws, name, subnet)
        autoscaling.put_scaling_policy(
            AutoScalingGroupName=name, PolicyName="cpu-target", PolicyType="TargetTrackingScaling",
            TargetTrackingConfiguration={"PredefinedMetricSpecification": {
                "PredefinedMetricType": "ASGAverageCPUUtilization"}, "TargetValue": target})

    def target(group):
        (policy,) = autoscaling.describe_policies(AutoScalingGroupName=group, PolicyNames=["cpu-target"])["ScalingPolicies"]
        return policy["TargetTrackingConfiguration"]["TargetValue"]

    assert (target("first"), target("second")) == (40.0, 70.0)
    autoscaling.delete_policy(PolicyName="cpu-target")
    assert autoscaling.describe_policies()["ScalingPolicies"] == []


def test_tag_lookups_answer_as_moto_did(aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    ids = []
    for i in range(30):
        ids.append(ec2.create_security_group(
            GroupName=f"g{i}", Description="d", VpcId=vpc,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": [
                {"Key": "Customer", "Value": f"c{i % 3}"}, {"Key": "Name", "Value": f"g{i}"}]}])["GroupId"])
    found = ec2.describe_security_groups(Filters=[{"Name": "tag:Customer", "Values": ["c1"]},
                                                  {"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
    assert sorted(g["GroupId"] for g in found) == sorted(ids[1::3])
    assert {t["Key"]: t["Value"] for t in found[0]["Tags"]}["Customer"] == "c1"

    from moto.ec2.models import ec2_backends
    backend = ec2_backends["123456789012"][REGION]
    group = backend.get_security_group_from_id(ids[4])
    assert TaggedEC2Resource.get_tags(group) == backend.describe_tags(filters={"resource-id": [ids[4]]})
    assert TaggedEC2Resource.get_tags(group) == [
        {"resource_id": ids[4], "key": "Customer", "value": "c1", "resource_type": "security-group"},
        {"resource_id": ids[4], "key": "Name", "value": "g4", "resource_type": "security-group"}]


def test_the_servers_routing_lists_motos_modules_once(aws, monkeypatch):
    from moto import backends
    listed = []
    monkeypatch.setattr("os.listdir", lambda path: listed.append(path) or [])
    assert "s3" in backends.list_of_moto_modules() and "ec2" in backends.list_of_moto_modules()
    assert listed == []  # answered from the listing made when the emulator was set up


def test_a_response_classs_method_names_are_listed_once(aws, monkeypatch):
    from moto.core import responses
    from moto.sns.responses import SNSResponse
    first = responses.method_names_from_class(SNSResponse)
    monkeypatch.setattr("inspect.getmembers", lambda *a, **k: pytest.fail("listed again"))
    assert "get_topic_attributes" in first and responses.method_names_from_class(SNSResponse) is first


@pytest.mark.parametrize("level, written", [(logging.NOTSET, True), (logging.INFO, True), (logging.ERROR, False)])
def test_request_lines_are_formatted_only_when_written(aws, monkeypatch, level, written):
    from werkzeug.serving import WSGIRequestHandler
    log, before = logging.getLogger("werkzeug"), logging.getLogger("werkzeug").level
    formatted = []
    monkeypatch.setattr(WSGIRequestHandler, "log", lambda self, *args: formatted.append(args))
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.command, handler.path, handler.request_version = "GET", "/", "HTTP/1.1"
    log.setLevel(level)  # (setLevel, not the attribute: it clears the logger's cached answers)
    try:
        handler.log_request(200, 10)
    finally:
        log.setLevel(before)
    assert bool(formatted) is written


def test_the_serializer_picks_the_attributes_moto_would(aws, monkeypatch):
    """Each field's possible attribute names, answered from the shape's memo, equal moto's own answer."""
    from moto.core.serialize import XFormedAttributePicker
    cached = XFormedAttributePicker.get_possible_keys
    answers = []

    def checked(self, context):
        got = cached(self, context)
        assert list(got) == list(cached.__wrapped__(self, context)), (context.key, type(context.obj))
        answers.append(context.key)
        return got

    monkeypatch.setattr(XFormedAttributePicker, "get_possible_keys", checked)
    ec2, iam, sns = aws("ec2"), aws("iam"), aws("sns")
    for i in range(2):
        ec2.create_launch_template(LaunchTemplateName=f"lt{i}", LaunchTemplateData={
            "ImageId": "ami-12c6146b", "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "a", "Value": "b"}]}]})
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument="{}", Tags=[{"Key": "ManagedBy", "Value": "vend"}])
        sns.create_topic(Name=f"t{i}", Attributes={"DisplayName": "x"})
    for _ in range(2):  # the second time from the memo
        versions = ec2.describe_launch_template_versions(LaunchTemplateName="lt1", Versions=["$Latest"])
        roles = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
        topics = sns.list_topics()["Topics"]
    assert versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]["TagSpecifications"][0]["Tags"] == [
        {"Key": "a", "Value": "b"}]
    assert [r["RoleName"] for r in roles] == ["r0", "r1"] and roles[0]["Tags"] == [{"Key": "ManagedBy", "Value": "vend"}]
    assert len(topics) == 2 and {"LaunchTemplateVersions", "RoleDetailList", "Topics"} <= set(answers)
