"""The emulator answers reads as AWS does: two environments with their own network in one region."""
from __future__ import annotations


from tests.aws.conftest import CONFIGS, Cloud
from vendor.aws import executor
from vendor.aws.observe import observe, zones
from vendor.config.loader import load_config
from vendor.plan.diff import plan_apply
from vendor.plan.naming import Facts, stack_tags
from vendor.plan.network import network

REGION = "us-east-1"


def _apply_network(cloud: Cloud, config) -> list[str]:
    ctx = cloud.context(REGION)
    ctx.tags = stack_tags(config)
    resources = network(config, Facts(ctx.account, REGION, zones(ctx))).resources
    executor.apply(ctx, resources)
    return [f"{s.action} {s.key}" for s in plan_apply(resources, observe(ctx, resources)) if s.action != "keep"]


def test_two_created_networks_in_one_region_each_find_their_own(moto_url):
    cloud = Cloud(moto_url)
    globex = load_config(CONFIGS / "globex-development.yaml").config
    initech = globex.model_copy(update={"customer": "initech"})
    assert _apply_network(cloud, globex) == []
    assert _apply_network(cloud, initech) == []  # moto alone: initech's plan took globex's NAT gateway
    ec2 = cloud.client("ec2", REGION)
    found = ec2.describe_nat_gateways(Filters=[{"Name": "tag:Customer", "Values": ["initech"]}])["NatGateways"]
    assert [{t["Key"]: t["Value"] for t in nat["Tags"]}["Customer"] for nat in found] == ["initech"]
    assert ec2.describe_nat_gateways(Filters=[{"Name": "tag-key", "Values": ["NoSuchKey"]}])["NatGateways"] == []


def test_every_templates_default_version_comes_in_pages_to_the_end(moto_url):
    """DescribeLaunchTemplateVersions without a template lists every template (AWS pages it with
    NextToken); moto alone cut the list at MaxResults (15 by default) and gave no NextToken."""
    ec2 = Cloud(moto_url).client("ec2", REGION)
    names = [f"pagedlt-{i:02d}" for i in range(23)]
    for name in names:
        ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"InstanceType": "t3.micro"})
    pages = list(ec2.get_paginator("describe_launch_template_versions").paginate(
        Versions=["$Default"], PaginationConfig={"PageSize": 10}))
    listed = [v["LaunchTemplateName"] for page in pages for v in page["LaunchTemplateVersions"]]
    assert [n for n in listed if n.startswith("pagedlt-")] == names and len(listed) == len(set(listed))
    assert all(len(page["LaunchTemplateVersions"]) <= 10 for page in pages)
    assert "NextToken" not in pages[-1]
    one = ec2.describe_launch_template_versions(LaunchTemplateName=names[0], Versions=["$Default"])
    assert [v["VersionNumber"] for v in one["LaunchTemplateVersions"]] == [1] and "NextToken" not in one
