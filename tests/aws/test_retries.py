"""Retries of the stack handlers: only what AWS settles with time is retried, and bounded.

botocore's Stubber checks each request against the real API model and answers the errors AWS
answers; the emulator cannot be made to answer these (an IAM role "not yet visible", a gateway
with mapped addresses) on demand.
"""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from vendor.aws import compute, network
from vendor.aws.base import retry_on
from vendor.plan.resources import Observed, Resource


class StubbedContext:
    """What a handler uses of AwsContext, with clients under a Stubber each."""

    def __init__(self, *services: str):
        self.clients = {s: boto3.client(s, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
                        for s in services}
        self.stubs = {s: Stubber(c) for s, c in self.clients.items()}
        self.tags = {"Customer": "acme", "Environment": "staging", "ManagedBy": "vend"}
        self.delay = 0
        self.region = "eu-west-1"

    def client(self, service):
        return self.clients[service]


ASG = Resource("auto-scaling group", "vend-acme-staging")
ASG_PROPS = {"launch_template": "lt-0123456789abcdef0", "version": "1", "min": 1, "max": 2, "desired": 1,
             "subnets": ["subnet-0aa11bb22cc33dd44"], "target_groups": [], "health_check_type": "ELB",
             "grace_seconds": 300, "cpu_target": 50}
NOT_READY = ("You must use a valid fully-formed launch template. Value (vend-acme-staging-instance) for parameter "
             "iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name")


def test_a_real_validation_error_of_the_asg_create_is_not_retried():
    ctx = StubbedContext("autoscaling")
    with ctx.stubs["autoscaling"] as stub:
        stub.add_client_error("create_auto_scaling_group", "ValidationError",
                              "Desired capacity:1 must be between the specified min size:2 and max size:2")
        with pytest.raises(ClientError) as refused:
            compute.AutoScalingGroup().create(ctx, ASG, ASG_PROPS)
        stub.assert_no_pending_responses()
    assert "Desired capacity" in refused.value.response["Error"]["Message"]


def test_the_asg_create_waits_for_a_new_instance_profile():
    ctx = StubbedContext("autoscaling")
    with ctx.stubs["autoscaling"] as stub:
        for _ in range(3):
            stub.add_client_error("create_auto_scaling_group", "ValidationError", NOT_READY)
        stub.add_response("create_auto_scaling_group", {})
        stub.add_response("put_scaling_policy", {"PolicyARN": "arn:aws:autoscaling:eu-west-1:1:scalingPolicy:x"})
        compute.AutoScalingGroup().create(ctx, ASG, ASG_PROPS)
        stub.assert_no_pending_responses()


def test_retry_backs_off_and_is_bounded():
    slept: list[float] = []
    error = ClientError({"Error": {"Code": "ValidationError", "Message": NOT_READY}}, "CreateAutoScalingGroup")

    def call():
        raise error

    with pytest.raises(ClientError):
        retry_on(("ValidationError",), call, "creating x", delay=5, backoff=2, max_delay=30, attempts=8,
                 sleep=slept.append)
    assert slept == [5, 10, 20, 30, 30, 30, 30]


def test_internet_gateway_delete_waits_for_mapped_addresses_to_go():
    ctx = StubbedContext("ec2")
    mapped = "Network vpc-0abc1234 has some mapped public address(es). Please unmap those public address(es) before detaching the gateway."
    with ctx.stubs["ec2"] as stub:
        args = {"InternetGatewayId": "igw-0abc1234", "VpcId": "vpc-0abc1234"}
        stub.add_client_error("detach_internet_gateway", "DependencyViolation", mapped, expected_params=args)
        stub.add_client_error("detach_internet_gateway", "DependencyViolation", mapped, expected_params=args)
        stub.add_response("detach_internet_gateway", {}, args)
        stub.add_response("delete_internet_gateway", {}, {"InternetGatewayId": "igw-0abc1234"})
        network.InternetGateway().delete(ctx, Resource("internet gateway", "vend-acme-staging"),
                                         Observed("igw-0abc1234", {"vpc": "vpc-0abc1234"}))
        stub.assert_no_pending_responses()
