"""End to end over HTTP against a moto server: apply -> re-apply (no mutating call) -> config
change -> apply -> destroy, for both example configs; and an apply killed mid-way, then re-run."""
from __future__ import annotations

import json
import re
import random

import pytest

from tests.aws.conftest import PRODUCTION_CERT, copy_config, load
from vendor.aws import executor
from vendor.aws.base import StackError
from vendor.aws.calls import CallCounter, InjectedFault
from vendor.aws.observe import observe
from vendor.aws.stack_ops import load_stack


def run(cloud, cf, action=executor.apply, region="eu-west-1", fail_after=None):
    counter = CallCounter(fail_after=fail_after)
    ctx = cloud.context(region, counter)
    outcome = action(ctx, load_stack(ctx, cf).resources)
    return outcome, counter


def existing(cloud, cf, region="eu-west-1") -> dict:
    ctx = cloud.context(region)
    return {k: v for k, v in observe(ctx, load_stack(ctx, cf).resources).items() if v is not None}


# the approvals service, shared per account and region: made by the first environment that needs it, kept
APPROVALS_SERVICE = ["approvals key vend/approvals/signing-key", "approvals queue vend-approvals",
                     "approvals role vend-approvals-{region}", "approvals table vend-approvals",
                     "event source mapping vend-approvals", "function url vend-approvals",
                     "lambda function vend-approvals", "ses identity vend@localhost"]


def changed(outcome) -> list[str]:
    return [f"{s.action} {s.key}" for s in outcome.steps if s.action != "keep"]


def test_production_lifecycle(cloud, tmp_path):
    cert = cloud.certificate("shop.acme.example")
    path = copy_config("acme-production.yaml", tmp_path, {PRODUCTION_CERT: cert})
    cloud.bake("acme", "production")
    first, calls = run(cloud, load(path))
    assert len(changed(first)) == 36 + 9 + 5 + 2 and calls.mutating > 0  # + the approvals service and subscription, alarms; the source rule and its role
    assert {s.action for s in first.steps} == {"create"}

    again, calls = run(cloud, load(path))
    assert calls.mutating == 0 and calls.mutating_calls() == {}
    assert changed(again) == []

    elb = cloud.client("elbv2")
    lb = elb.describe_load_balancers(Names=["vend-acme-production"])["LoadBalancers"][0]
    alarms = {a["AlarmName"]: a for a in cloud.client("cloudwatch").describe_alarms(
        AlarmNamePrefix="vend-acme-production-")["MetricAlarms"]}
    topic = "arn:aws:sns:eu-west-1:123456789012:vend-acme-production-alarms"
    assert sorted(alarms) == ["vend-acme-production-db-cpu", "vend-acme-production-db-free-storage",
                              "vend-acme-production-target-5xx", "vend-acme-production-unhealthy-hosts"]
    assert all(a["AlarmActions"] == [topic] and a["OKActions"] == [topic] for a in alarms.values())
    unhealthy = alarms["vend-acme-production-unhealthy-hosts"]
    assert {d["Name"]: d["Value"].split("/")[0] for d in unhealthy["Dimensions"]} == {
        "LoadBalancer": "app", "TargetGroup": "targetgroup"}  # CloudWatch's dimension form, not the ARN
    assert lb["LoadBalancerArn"].endswith(":loadbalancer/" + {d["Name"]: d["Value"] for d in unhealthy["Dimensions"]}["LoadBalancer"])
    assert alarms["vend-acme-production-db-cpu"]["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "vend-acme-production"}]
    listeners = {l["Port"]: l for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
    assert listeners[80]["DefaultActions"][0]["RedirectConfig"]["StatusCode"] == "HTTP_301"
    assert listeners[443]["Certificates"] == [{"CertificateArn": cert}]
    assert listeners[443]["DefaultActions"][0]["FixedResponseConfig"]["MessageBody"] == "host not found"
    rds = cloud.client("rds").describe_db_instances(DBInstanceIdentifier="vend-acme-production")["DBInstances"][0]
    assert (rds["MultiAZ"], rds["DeletionProtection"], rds["BackupRetentionPeriod"]) == (True, True, 7)
    assert "MasterUserSecret" in rds
    tg = elb.describe_target_groups(Names=["vend-acme-production"])["TargetGroups"][0]["TargetGroupArn"]

    def drain_seconds():
        attributes = elb.describe_target_group_attributes(TargetGroupArn=tg)["Attributes"]
        return {a["Key"]: a["Value"] for a in attributes}["deregistration_delay.timeout_seconds"]

    assert drain_seconds() == "30"  # not AWS's 300 s per host and deployment

    text = path.read_text().replace("max: 6", "max: 8").replace("instance_type: t3.medium", "instance_type: t3.large")
    text = text.replace("cto@acme.example]", "cto@acme.example, ops@acme.example]")
    text = text.replace("routing:\n", "routing:\n  deregistration_delay_seconds: 60\n", 1)
    path.write_text(text)
    third, calls = run(cloud, load(path))
    assert changed(third) == ["update target group vend-acme-production",
                              "update launch template vend-acme-production",
                              "update auto-scaling group vend-acme-production",
                              "update sns topic vend-acme-production-alarms",
                              "update pipeline vend-acme-production"]  # the approvers are in its CustomData
    group = cloud.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=["vend-acme-production"])["AutoScalingGroups"][0]
    assert (group["MaxSize"], group["LaunchTemplate"]["Version"]) == (8, "2")
    assert calls.mutating_calls() == {"autoscaling:UpdateAutoScalingGroup": 1, "ec2:CreateLaunchTemplateVersion": 1,
                                      "ec2:ModifyLaunchTemplate": 1, "sns:Subscribe": 1,
                                      "elbv2:ModifyTargetGroupAttributes": 1, "codepipeline:UpdatePipeline": 1}
    assert drain_seconds() == "60"

    gone, calls = run(cloud, load(path), executor.destroy)
    assert len(changed(gone)) == 37 + 5 + 2
    assert sorted(existing(cloud, load(path))) == [k.format(region="eu-west-1") for k in APPROVALS_SERVICE]
    snapshots = cloud.client("rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"][:27] for s in snapshots] == ["vend-acme-production-final-"]


def test_staging_lifecycle_keeps_the_shared_load_balancer(cloud, tmp_path):
    ids = cloud.existing_network()
    cloud.certificate("*.shop.acme.example", shared=True)
    cloud.bake("acme", "staging")
    path = copy_config("acme-staging.yaml", tmp_path, ids)
    first, calls = run(cloud, load(path))
    assert changed(first)[:4] == ["create security group vend-shared-1-alb", "create load balancer vend-shared-1",
                                  "create listener vend-shared-1-http", "create listener vend-shared-1-https"]
    assert len(changed(first)) == 30
    elb = cloud.client("elbv2")
    shared = elb.describe_load_balancers(Names=["vend-shared-1"])["LoadBalancers"][0]
    tags = elb.describe_tags(ResourceArns=[shared["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
    vpc = ids["vpc-0a1b2c3d4e5f60718"]
    assert {t["Key"]: t["Value"] for t in tags} == {"Name": "vend-shared-1", "ManagedBy": "vend", "Shared": "true",
                                                   "Vpc": vpc}
    for listener in elb.describe_listeners(LoadBalancerArn=shared["LoadBalancerArn"])["Listeners"]:
        tags = elb.describe_tags(ResourceArns=[listener["ListenerArn"]])["TagDescriptions"][0]["Tags"]
        assert {t["Key"]: t["Value"] for t in tags} == {  # not the first customer's Customer/Environment
            "Name": f"vend-shared-1-{listener['Protocol'].lower()}", "ManagedBy": "vend", "Shared": "true", "Vpc": vpc}
    assert shared["VpcId"] == ids["vpc-0a1b2c3d4e5f60718"]

    again, calls = run(cloud, load(path))
    assert (calls.mutating, changed(again)) == (0, [])
    _, plan_calls = run(cloud, load(path), lambda ctx, resources: observe(ctx, resources))
    assert calls.calls == plan_calls.calls  # a no-op apply reads each resource once, the shared ALB too (issue 19)
    assert calls.calls["elbv2:DescribeRules"] == 2  # the shared ALB's two listeners, once each

    path.write_text(path.read_text().replace("hosts: [staging.shop.acme.example]",
                                             "hosts: [staging.shop.acme.example]\n  paths: [/shop/*]"))
    third, calls = run(cloud, load(path))
    assert changed(third) == ["update listener rule vend-acme-staging-shared"]
    assert calls.mutating_calls() == {"elbv2:ModifyRule": 1, "elbv2:SetRulePriorities": 1}  # into the host+path band

    gone, _ = run(cloud, load(path), executor.destroy)
    assert len(changed(gone)) == 26
    left = existing(cloud, load(path))
    assert sorted(left) == ["listener vend-shared-1-http", "listener vend-shared-1-https",
                            "load balancer vend-shared-1", "security group vend-shared-1-alb"]
    assert cloud.client("ec2").describe_vpcs(VpcIds=[ids["vpc-0a1b2c3d4e5f60718"]])["Vpcs"]
    cloud.delete_shared_alb()  # the next test's shared ALB stands in its own VPC


GENERATED = re.compile(r"^(arn:.*|[a-z]+-[0-9a-f]{8,}|[0-9a-f-]{36})$")  # ids and ARNs AWS makes up


def canonical(cloud, cf, region) -> dict:
    """The environment's resources with their settings, AWS ids replaced by resource keys."""
    found = existing(cloud, cf, region)
    names = {}
    for key, observed in found.items():
        for attr, value in [("id", observed.id), *observed.attrs.items()]:
            if isinstance(value, str) and GENERATED.match(value):
                names[value] = f"{key} {attr}"
    text = json.dumps({k: v.props for k, v in found.items()}, sort_keys=True, default=str)
    for value in sorted(names, key=len, reverse=True):
        text = text.replace(value, f"<{names[value]}>")
    tags = [{"Key": "Customer", "Values": [cf.config.customer]},
            {"Key": "Environment", "Values": [cf.config.environment]}]
    pages = cloud.client("resourcegroupstaggingapi", region).get_paginator("get_resources").paginate(TagFilters=tags)
    arns = [m["ResourceARN"] for page in pages for m in page["ResourceTagMappingList"]]
    kinds = sorted(a.split(":")[2] + ":" + a.split(":")[5].split("/")[0] for a in arns)
    # instances are launched by the group and deleted NAT gateways linger in moto: count live ones instead
    kinds = [k for k in kinds if k not in ("ec2:instance", "ec2:volume", "ec2:natgateway")]
    live_nat = cloud.client("ec2", region).describe_nat_gateways(
        Filters=[{"Name": "state", "Values": ["pending", "available"]}, {"Name": "tag:Customer", "Values": ["acme"]}])
    kinds += ["live nat gateway"] * len(live_nat["NatGateways"])
    return {"resources": _sorted_lists(json.loads(text)), "tagged": kinds}


def _sorted_lists(value):
    """Subnet and group lists come back in id order; ids differ between runs."""
    if isinstance(value, dict):
        return {k: _sorted_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_lists(v) for v in value]
        return sorted(items, key=repr) if all(isinstance(v, str) for v in items) else items
    return value


def test_apply_killed_after_random_call_converges(cloud, tmp_path):
    """An apply killed after a random AWS call leaves nothing half-made that a re-run cannot finish: the re-apply converges."""
    region = "eu-central-1"
    cert = cloud.certificate("shop.acme.example", region=region)
    path = copy_config("acme-production.yaml", tmp_path, {
        "region: eu-west-1": f"region: {region}",
        PRODUCTION_CERT: cert})
    cloud.bake("acme", "production", region)
    cf = load(path)
    rds = cloud.client("rds", region)

    def destroy():
        run(cloud, cf, executor.destroy, region=region)
        # the final snapshot stays by design; moto also keeps an automated one named by the minute
        for snapshot in rds.describe_db_snapshots()["DBSnapshots"]:
            rds.delete_db_snapshot(DBSnapshotIdentifier=snapshot["DBSnapshotIdentifier"])

    # the approvals service is shared by the region's environments and outlives a destroy: the
    # measured apply runs with it already there, as the killed one and its re-run will
    run(cloud, cf, region=region)
    destroy()
    _, clean = run(cloud, cf, region=region)
    expected = canonical(cloud, cf, region)
    destroy()
    assert sorted(existing(cloud, cf, region)) == [k.format(region=region) for k in APPROVALS_SERVICE]

    seed = random.randrange(1 << 30)
    n = random.Random(seed).randint(1, clean.mutating - 1)
    with pytest.raises(InjectedFault):
        run(cloud, cf, region=region, fail_after=n)
    _, rerun = run(cloud, cf, region=region)
    got = canonical(cloud, cf, region)
    assert got == expected, f"seed {seed}: killed after mutating call {n}\n" + _debug_diff(expected, got)
    _, after = run(cloud, cf, region=region)
    assert after.mutating == 0, f"seed {seed}: killed after mutating call {n}"
    run(cloud, cf, executor.destroy, region=region)


def _debug_diff(a, b):
    import difflib
    return "\n".join(difflib.unified_diff(json.dumps(a, indent=1, sort_keys=True).splitlines(),
                                          json.dumps(b, indent=1, sort_keys=True).splitlines(), lineterm=""))


def test_a_shared_load_balancer_serves_one_vpc(cloud, tmp_path):
    """vend-shared-1 stands in another VPC than acme's: refused with the fix before anything is
    created, instead of failing in CreateRule (AWS refuses forwarding to a target group, and a
    security group reference, across VPCs). Destroy keeping a VPC a shared ALB stands in: see
    tests/cli/test_stack_cmds.py."""
    region = "ca-central-1"  # this test's own region of the session's moto server
    cloud.certificate("*.example.com", shared=True, region=region)
    cloud.bake("acme", "staging", region)
    ec2, elb = cloud.client("ec2", region), cloud.client("elbv2", region)
    shared_vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=shared_vpc, CidrBlock=f"10.60.{i}.0/24", AvailabilityZone=f"{region}{z}")
               ["Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    elb.create_load_balancer(Name="vend-shared-1", Subnets=subnets, Scheme="internet-facing")
    ids = cloud.existing_network(region)
    acme = copy_config("acme-staging.yaml", tmp_path, {**ids, "region: eu-west-1": f"region: {region}"})
    with pytest.raises(StackError) as refused:
        run(cloud, load(acme), region=region)
    other = ids["vpc-0a1b2c3d4e5f60718"]
    assert str(refused.value) == (
        f"load balancer vend-shared-1: shared load balancer vend-shared-1 is in {shared_vpc}, this environment's VPC "
        f"is {other}: a shared load balancer serves one VPC; in routing/shared_load_balancers list a shared load "
        "balancer of this VPC (a new name is created there, e.g. vend-shared-2)")
    assert elb.describe_target_groups()["TargetGroups"] == []  # nothing was created
    cloud.delete_shared_alb(region=region)
