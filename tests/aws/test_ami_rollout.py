"""A new AMI reaches the fleet: a new launch template version (moto) and an instance refresh
(botocore Stubber: moto does not implement StartInstanceRefresh)."""
import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from vendor.aws.ami_rollout import AutoScalingRefresher, RefreshUnsupported, RolloutError, TemplateVersion, new_template_version, roll_out

REGION = "eu-west-1"
EXPECTED_REFRESH = {
    "AutoScalingGroupName": "vend-shop-test", "Strategy": "Rolling",
    "DesiredConfiguration": {"LaunchTemplate": {"LaunchTemplateName": "vend-shop-test", "Version": "2"}},
    "Preferences": {"MinHealthyPercentage": 66, "InstanceWarmup": 120, "SkipMatching": True},
}


@pytest.fixture
def ec2(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("ec2", region_name=REGION)
        old, new = (client.register_image(Name=n, RootDeviceName="/dev/sda1")["ImageId"] for n in ("old", "new"))
        client.create_launch_template(LaunchTemplateName="vend-shop-test", LaunchTemplateData={
            "ImageId": old, "InstanceType": "t3.small", "UserData": "IyEvYmluL3NoCg==",
            "MetadataOptions": {"HttpTokens": "required"}})
        yield client, old, new


@pytest.fixture
def autoscaling():
    client = boto3.client("autoscaling", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_a_new_version_changes_only_the_ami_and_becomes_the_default(ec2):
    client, old, new = ec2
    assert new_template_version(client, "vend-shop-test", new, description=f"vend: image {new}") == \
        TemplateVersion("vend-shop-test", 2, old)
    version = client.describe_launch_template_versions(LaunchTemplateName="vend-shop-test", Versions=["$Default"])
    data = version["LaunchTemplateVersions"][0]
    assert data["VersionNumber"] == 2 and data["VersionDescription"] == f"vend: image {new}"
    assert data["LaunchTemplateData"]["ImageId"] == new
    assert data["LaunchTemplateData"]["InstanceType"] == "t3.small"
    assert data["LaunchTemplateData"]["UserData"] == "IyEvYmluL3NoCg=="
    assert data["LaunchTemplateData"]["MetadataOptions"]["HttpTokens"] == "required"


def test_the_same_ami_again_makes_no_new_version(ec2):
    client, old, new = ec2
    new_template_version(client, "vend-shop-test", new, description="first")
    assert new_template_version(client, "vend-shop-test", new, description="again") == \
        TemplateVersion("vend-shop-test", 2, new)


def test_a_missing_launch_template_says_to_create_the_stack(ec2):
    client, _, new = ec2
    with pytest.raises(RolloutError) as e:
        new_template_version(client, "vend-nobody-test", new, description="x")
    assert str(e.value) == "launch template vend-nobody-test does not exist: create the stack first (vend apply)"


def test_roll_out_makes_a_version_and_starts_a_refresh(ec2, autoscaling):
    client, old, new = ec2
    asg, stub = autoscaling
    stub.add_response("start_instance_refresh", {"InstanceRefreshId": "refresh-1"}, EXPECTED_REFRESH)
    result = roll_out(client, AutoScalingRefresher(asg), template="vend-shop-test", group="vend-shop-test",
                      ami_id=new, replace=True, min_healthy_percentage=66, warmup_seconds=120)
    assert result.refresh_id == "refresh-1"
    assert result.version == TemplateVersion("vend-shop-test", 2, old)


def test_roll_out_can_leave_the_instances_alone(ec2, autoscaling):
    client, old, new = ec2
    asg, stub = autoscaling  # no response queued: any refresh call would fail the test
    result = roll_out(client, AutoScalingRefresher(asg), template="vend-shop-test", group="vend-shop-test",
                      ami_id=new, replace=False, min_healthy_percentage=66, warmup_seconds=120)
    assert result.refresh_id is None and result.version.version == 2


@pytest.mark.parametrize("code, message, expected", [
    ("InstanceRefreshInProgress", "An Instance Refresh is already in progress",
     "an instance refresh of vend-shop-test is already running: wait for it to finish, or cancel it "
     "(aws autoscaling cancel-instance-refresh --auto-scaling-group-name vend-shop-test)"),
    ("ValidationError", "AutoScalingGroup name not found - null",
     "auto-scaling group vend-shop-test does not exist: create the stack first (vend apply)"),
    ("LimitExceeded", "too many", "starting the instance refresh of vend-shop-test failed: LimitExceeded: too many"),
])
def test_refresh_errors_say_what_to_do(autoscaling, code, message, expected):
    asg, stub = autoscaling
    stub.add_client_error("start_instance_refresh", service_error_code=code, service_message=message,
                          expected_params=EXPECTED_REFRESH)
    with pytest.raises(RolloutError) as e:
        AutoScalingRefresher(asg).start("vend-shop-test", template="vend-shop-test", version=2,
                                        min_healthy_percentage=66, warmup_seconds=120)
    assert str(e.value) == expected


def test_an_endpoint_without_instance_refresh_is_named(monkeypatch):
    """The embedded emulator (moto server) answers StartInstanceRefresh with an HTML 500 page."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        asg = boto3.client("autoscaling", region_name=REGION, endpoint_url=f"http://{host}:{port}",
                           aws_access_key_id="x", aws_secret_access_key="y")
        with pytest.raises(RolloutError) as e:
            AutoScalingRefresher(asg).start("vend-shop-test", template="vend-shop-test", version=2,
                                            min_healthy_percentage=66, warmup_seconds=120)
    finally:
        server.stop()
    assert str(e.value).startswith("starting the instance refresh of vend-shop-test failed (Unable to parse response")
    assert isinstance(e.value, RefreshUnsupported)
    assert str(e.value).endswith("this endpoint may not implement StartInstanceRefresh")
