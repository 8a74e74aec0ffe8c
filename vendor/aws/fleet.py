"""The hosts of an auto-scaling group: its InService instances, with their private addresses."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vendor.ssh import Host


@dataclass(frozen=True)
class Fleet:
    hosts: list[Host]
    target_group_arns: list[str]
    instance_ids: dict[str, str]  # host name -> instance id (the target id in the target group)


class NoSuchGroup(LookupError):
    pass


def fleet(autoscaling, ec2, group_name: str, *, user: str, key_path: Path) -> Fleet:
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])["AutoScalingGroups"]
    if not groups:
        raise NoSuchGroup(f"auto-scaling group {group_name} does not exist (run vend apply first)")
    group = groups[0]
    ids = sorted(i["InstanceId"] for i in group["Instances"] if i["LifecycleState"] == "InService")
    addresses = {}
    if ids:
        for reservation in ec2.describe_instances(InstanceIds=ids)["Reservations"]:
            for instance in reservation["Instances"]:
                addresses[instance["InstanceId"]] = instance.get("PrivateIpAddress")
    hosts = [Host(i, addresses[i], 22, user, key_path) for i in ids if addresses.get(i)]
    return Fleet(hosts, list(group.get("TargetGroupARNs", [])), {h.name: h.name for h in hosts})


def use_elb_health_checks(autoscaling, group_name: str) -> bool:
    """Once the app is deployed, the group replaces instances its load balancer finds unhealthy
    (until then EC2 health checks keep instances without the app from churning). True when changed."""
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])["AutoScalingGroups"]
    if not groups or groups[0].get("HealthCheckType") == "ELB":
        return False
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=group_name, HealthCheckType="ELB")
    return True
