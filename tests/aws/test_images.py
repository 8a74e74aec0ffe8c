"""AMI reads and writes against moto: finding by tags and bake key, base AMI resolution,
retiring with snapshots, what is in use, and retention end to end."""
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from vendor.aws import images
from vendor.aws.images import ImageError
from vendor.bake.retention import prune, retention_plan
from vendor.config.loader import load_config
from vendor.config.model import BaseAmi

REGION = "eu-west-1"
KEY = "ab" * 32
CONFIG = Path(__file__).parents[1] / "bake" / "configs" / "shop-local.yaml"  # shop/test, keep 2


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        yield session.client("ec2"), session.client("autoscaling")


def register(ec2, day, customer="shop", environment="test", description="", **tags):
    ami_id = ec2.register_image(Name=f"vend-{customer}-{environment}-c{day}-202601{day:02d}000000",
                                Description=description, RootDeviceName="/dev/sda1")["ImageId"]
    all_tags = {"ManagedBy": "vend", "Customer": customer, "Environment": environment,
                "BuildTime": f"2026-01-{day:02d}T00:00:00Z", "SourceCommit": f"c{day}", **tags}
    images.tag(ec2, images.get_image(ec2, ami_id), all_tags)
    return ami_id


def test_list_images_finds_one_environment_by_tags(aws):
    ec2, _ = aws
    mine = {register(ec2, 1), register(ec2, 2)}
    register(ec2, 3, environment="production")
    register(ec2, 4, customer="other")
    found = images.list_images(ec2, "shop", "test")
    assert {a.id for a in found} == mine
    one = next(a for a in found if a.tags["SourceCommit"] == "c1")
    assert one.built == "2026-01-01T00:00:00Z" and one.state == "available"
    assert len(one.snapshot_ids) == 1


def test_tags_reach_the_snapshots_too(aws):
    ec2, _ = aws
    ami = images.get_image(ec2, register(ec2, 1, BakeKey=KEY))
    snapshot = ec2.describe_snapshots(SnapshotIds=list(ami.snapshot_ids))["Snapshots"][0]
    assert {t["Key"]: t["Value"] for t in snapshot["Tags"]}["BakeKey"] == KEY


def test_find_by_bake_key_uses_the_tag_or_the_description_of_an_untagged_ami(aws):
    ec2, _ = aws
    tagged = register(ec2, 1, BakeKey=KEY)
    left = ec2.register_image(Name="vend-shop-test-c2-20260102000000", RootDeviceName="/dev/sda1",
                              Description=f"vend image for shop/test at c2 (bake key {KEY})")["ImageId"]
    register(ec2, 3, BakeKey="cd" * 32)
    ec2.register_image(Name="vend-shop-test-c4-20260104000000", Description="another key", RootDeviceName="/dev/sda1")
    found = images.find_by_bake_key(ec2, "vend-shop-test-", KEY)
    assert sorted(a.id for a in found) == sorted([tagged, left])


def test_get_image_of_a_deregistered_ami_is_none(aws):
    ec2, _ = aws
    ami_id = register(ec2, 1)
    ec2.deregister_image(ImageId=ami_id)
    assert images.get_image(ec2, ami_id) is None


def test_resolve_base_by_id_and_by_owner_and_name(aws):
    ec2, _ = aws
    base = register(ec2, 1)
    assert images.resolve_base(ec2, BaseAmi(id=base)).id == base
    xenial = images.resolve_base(ec2, BaseAmi(owner="099720109477", name="ubuntu/images/hvm-ssd/ubuntu-xenial-*"))
    assert xenial.name == "ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-20170721"  # moto's stock AMIs
    with pytest.raises(ImageError) as e:
        images.resolve_base(ec2, BaseAmi(id="ami-0123456789abcdef0"))
    assert str(e.value) == ("image/base_ami/id: ami-0123456789abcdef0 does not exist in this region or account "
                            "(check the id and the region, or use owner + name)")
    with pytest.raises(ImageError) as e:
        images.resolve_base(ec2, BaseAmi(owner="self", name="nothing-*"))
    assert str(e.value) == ("image/base_ami: no available AMI of owner self matches name 'nothing-*' "
                            "(check the name filter and the region)")


def test_retire_deregisters_and_deletes_the_snapshots(aws):
    ec2, _ = aws
    ami = images.get_image(ec2, register(ec2, 1))
    assert images.retire(ec2, ami) == list(ami.snapshot_ids)
    assert images.get_image(ec2, ami.id) is None
    with pytest.raises(ClientError) as e:
        ec2.describe_snapshots(SnapshotIds=list(ami.snapshot_ids))
    assert e.value.response["Error"]["Code"] == "InvalidSnapshot.NotFound"


def _template(ec2, name, *image_ids, default=None):
    ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"ImageId": image_ids[0]})
    for image_id in image_ids[1:]:
        ec2.create_launch_template_version(LaunchTemplateName=name, LaunchTemplateData={"ImageId": image_id})
    if default:
        ec2.modify_launch_template(LaunchTemplateName=name, DefaultVersion=str(default))


def test_retention_keeps_the_newest_and_everything_in_use_and_retires_the_rest(aws):
    ec2, autoscaling = aws
    a = {day: register(ec2, day) for day in range(1, 9)}
    elsewhere = register(ec2, 1, environment="production")
    _template(ec2, "vend-shop-test", a[1], a[3], default=1)  # default v1 -> a1, latest v2 -> a3
    _template(ec2, "batch-jobs", a[2], elsewhere, default=2)  # an ASG pins v1 -> a2
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="batch", LaunchTemplate={"LaunchTemplateName": "batch-jobs", "Version": "1"},
        MinSize=0, MaxSize=1, DesiredCapacity=0, AvailabilityZones=[f"{REGION}a"])
    instance = ec2.run_instances(ImageId=a[4], MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    snapshots = {day: images.get_image(ec2, a[day]).snapshot_ids for day in a}

    config = load_config(CONFIG).config
    plan = retention_plan(ec2, autoscaling, config)
    assert [(ami.id, why) for ami, why in plan.keep] == [
        (a[8], "newest 1 of 2"),
        (a[7], "newest 2 of 2"),
        (a[4], f"in use: instance {instance} (running)"),
        (a[3], "in use: launch template vend-shop-test version 2 (latest)"),
        (a[2], "in use: launch template batch-jobs version 1 (auto-scaling group batch)"),
        (a[1], "in use: launch template vend-shop-test version 1 (default)"),
    ]
    assert [ami.id for ami in plan.retire] == [a[6], a[5]]

    said, forgotten = [], []
    assert prune(ec2, plan, forget=forgotten.append, say=said.append) == [a[6], a[5]]
    assert forgotten == [a[6], a[5]]
    assert said[0] == f"retired {a[6]} (vend-shop-test-c6-20260106000000); deleted {snapshots[6][0]}"
    remaining = {ami.id for ami in images.list_images(ec2, "shop", "test")}
    assert remaining == {a[1], a[2], a[3], a[4], a[7], a[8]}
    assert images.get_image(ec2, elsewhere) is not None
    left = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert not (set(snapshots[5]) | set(snapshots[6])) & left
    assert set(snapshots[7]) <= left
