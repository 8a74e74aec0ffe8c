"""Call counting and fault injection; updates moto lacks, checked with botocore's Stubber;
user errors about the given network."""
from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.aws.conftest import copy_config
from vendor.aws.calls import CallCounter, InjectedFault, is_mutating
from vendor.aws.context import AwsContext
from vendor.aws.observe import check_network
from vendor.aws.pipeline_resources import CodeBuildProject, DeploymentGroup
from vendor.config.loader import load_config
from vendor.config.source import SourceError
from vendor.plan.resources import Observed, Resource


def test_reads_are_not_mutating():
    assert [is_mutating(op) for op in ("DescribeVpcs", "ListRoles", "GetRole", "BatchGetProjects", "HeadBucket",
                                       "CreateVpc", "PutRolePolicy", "ModifyRule")] == [
        False, False, False, False, False, True, True, True]


def test_counter_counts_and_fails_after_the_nth_mutating_call():
    with mock_aws():
        counter = CallCounter(fail_after=2)
        ec2 = boto3.client("ec2", region_name="eu-west-1")
        counter.attach(ec2)
        ec2.describe_vpcs()
        ec2.create_vpc(CidrBlock="10.0.0.0/16")
        with pytest.raises(InjectedFault, match=r"^injected fault after mutating call 2 \(ec2:CreateVpc\)$"):
            ec2.create_vpc(CidrBlock="10.1.0.0/16")
        assert len(ec2.describe_vpcs()["Vpcs"]) == 3  # default VPC + both: the failed call took effect
        assert (counter.total, counter.mutating, counter.mutating_calls()) == (4, 2, {"ec2:CreateVpc": 2})
        assert counter.summary() == "4 AWS API calls, 2 mutating"


def _ctx(service: str):
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="eu-west-1")
    ctx = AwsContext(session)
    return ctx, ctx.client(service)


def test_codebuild_update_sends_the_whole_project():
    ctx, client = _ctx("codebuild")
    props = {"image": "aws/codebuild/standard:8.0", "compute": "BUILD_GENERAL1_SMALL",
             "role": "arn:aws:iam::123456789012:role/vend/vend-acme-staging-codebuild",
             "log_group": "/vend/acme/staging", "buildspec": "buildspec.yml"}
    with Stubber(client) as stub:
        stub.add_response("update_project", {}, {
            "name": "vend-acme-staging", "source": {"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
            "artifacts": {"type": "CODEPIPELINE"},
            "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:8.0",
                            "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": False},
            "serviceRole": props["role"],
            "logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": "/vend/acme/staging"}}})
        CodeBuildProject().update(ctx, Resource("codebuild project", "vend-acme-staging"), props,
                                  Observed("vend-acme-staging"), {"image"})
        stub.assert_no_pending_responses()


def test_deployment_group_update_keeps_its_name():
    ctx, client = _ctx("codedeploy")
    props = {"role": "arn:aws:iam::123456789012:role/vend/vend-acme-staging-codedeploy",
             "config": "CodeDeployDefault.AllAtOnce", "auto_scaling_groups": ["vend-acme-staging"],
             "target_groups": ["vend-acme-staging"], "traffic_control": True, "auto_rollback": []}
    with Stubber(client) as stub:
        stub.add_response("update_deployment_group", {}, {
            "applicationName": "vend-acme-staging", "currentDeploymentGroupName": "vend-acme-staging",
            "serviceRoleArn": props["role"], "deploymentConfigName": "CodeDeployDefault.AllAtOnce",
            "autoScalingGroups": ["vend-acme-staging"],
            "loadBalancerInfo": {"targetGroupInfoList": [{"name": "vend-acme-staging"}]},
            "deploymentStyle": {"deploymentType": "IN_PLACE", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            "autoRollbackConfiguration": {"enabled": False, "events": []}})
        DeploymentGroup().update(ctx, Resource("deployment group", "vend-acme-staging"), props,
                                 Observed("id-1"), {"config"})
        stub.assert_no_pending_responses()


def test_missing_given_network_names_the_file_and_path(tmp_path: Path):
    path = copy_config("acme-staging.yaml", tmp_path, {})
    with mock_aws():
        session = boto3.session.Session(region_name="eu-west-1")
        with pytest.raises(SourceError) as caught:
            check_network(AwsContext(session), load_config(path))
    assert [str(p) for p in caught.value.problems][:2] == [
        f"{path}:12 network/vpc_id: VPC vpc-0a1b2c3d4e5f60718 does not exist in eu-west-1 "
        "(give the id of an existing VPC in this region, or use network/create)",
        f"{path}:13 network/public_subnet_ids/0: subnet subnet-0aa11bb22cc33dd44 does not exist in eu-west-1 "
        "(give the id of an existing subnet)"]
