"""EC2 AMIs of vend: find them by tags or bake key, register and tag, retire with their snapshots,
and which ones launch templates, auto-scaling groups and instances still use."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from vendor.config.model import BaseAmi

IN_USE_STATES = ["pending", "running", "stopping", "stopped"]


class ImageError(Exception):
    """An AMI problem a person must fix; the message says what and how."""


@dataclass(frozen=True)
class Ami:
    id: str
    name: str
    state: str
    created: str  # CreationDate, ISO 8601 UTC
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    snapshot_ids: tuple[str, ...] = ()

    @property
    def built(self) -> str:
        """When it was baked: the BuildTime tag, else the creation date."""
        return self.tags.get("BuildTime") or self.created


def _ami(image: dict) -> Ami:
    snapshots = tuple(m["Ebs"]["SnapshotId"] for m in image.get("BlockDeviceMappings", [])
                      if m.get("Ebs", {}).get("SnapshotId"))
    return Ami(id=image["ImageId"], name=image.get("Name") or "", state=image.get("State", ""),
               created=image.get("CreationDate", ""), description=image.get("Description") or "",
               tags={t["Key"]: t["Value"] for t in image.get("Tags", [])}, snapshot_ids=snapshots)


def _describe(ec2, **kwargs) -> list[Ami]:
    found = []
    for page in ec2.get_paginator("describe_images").paginate(**kwargs):
        found += [_ami(i) for i in page["Images"]]
    return found


def list_images(ec2, customer: str, environment: str) -> list[Ami]:
    """This account's vend AMIs of one customer environment (tags ManagedBy, Customer, Environment)."""
    filters = [{"Name": "tag:ManagedBy", "Values": ["vend"]}, {"Name": "tag:Customer", "Values": [customer]},
               {"Name": "tag:Environment", "Values": [environment]}]
    return _describe(ec2, Owners=["self"], Filters=filters)


def find_by_bake_key(ec2, name_prefix: str, bake_key: str) -> list[Ami]:
    """AMIs of this bake key: tagged with it, or (an interrupted bake, before tagging) named with
    `name_prefix` and carrying the key in their description."""
    tagged = _describe(ec2, Owners=["self"], Filters=[{"Name": "tag:BakeKey", "Values": [bake_key]}])
    named = _describe(ec2, Owners=["self"], Filters=[{"Name": "name", "Values": [f"{name_prefix}*"]}])
    found = {a.id: a for a in tagged}
    found.update({a.id: a for a in named if bake_key in a.description and a.id not in found})
    return sorted(found.values(), key=lambda a: a.built, reverse=True)


def get_image(ec2, ami_id: str) -> Ami | None:
    try:
        images = ec2.describe_images(ImageIds=[ami_id])["Images"]
    except ClientError as e:
        if e.response["Error"]["Code"] in ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"):
            return None
        raise
    return _ami(images[0]) if images else None


def resolve_base(ec2, base: BaseAmi) -> Ami:
    """The AMI a bake starts from: `base_ami.id`, or the newest match of owner + name."""
    if base.id:
        found = get_image(ec2, base.id)
        if found is None:
            raise ImageError(f"image/base_ami/id: {base.id} does not exist in this region or account "
                             "(check the id and the region, or use owner + name)")
        return found
    filters = [{"Name": "name", "Values": [base.name]}, {"Name": "root-device-type", "Values": ["ebs"]},
               {"Name": "virtualization-type", "Values": ["hvm"]}, {"Name": "state", "Values": ["available"]}]
    matches = _describe(ec2, Owners=[base.owner], Filters=filters)
    if not matches:
        raise ImageError(f"image/base_ami: no available AMI of owner {base.owner} matches name {base.name!r} "
                         "(check the name filter and the region)")
    return max(matches, key=lambda a: a.created)


def register(ec2, *, name: str, description: str, root_device: str, architecture: str = "x86_64") -> str:
    """Register an AMI from its root device (used for images built outside EC2)."""
    return ec2.register_image(Name=name, Description=description, RootDeviceName=root_device,
                              Architecture=architecture, VirtualizationType="hvm")["ImageId"]


def tag(ec2, ami: Ami, tags: Mapping[str, str]) -> None:
    """Tag the AMI and its snapshots."""
    ec2.create_tags(Resources=[ami.id, *ami.snapshot_ids],
                    Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def wait_available(ec2, ami_id: str, *, timeout: float = 3600) -> Ami:
    delay = 15
    ec2.get_waiter("image_available").wait(ImageIds=[ami_id], WaiterConfig={"Delay": delay,
                                                                          "MaxAttempts": max(1, int(timeout // delay))})
    found = get_image(ec2, ami_id)
    if found is None:
        raise ImageError(f"{ami_id} disappeared while waiting for it to become available")
    return found


def retire(ec2, ami: Ami) -> list[str]:
    """Deregister the AMI, then delete its snapshots; returns the snapshots deleted."""
    ec2.deregister_image(ImageId=ami.id)
    deleted = []
    for snapshot in ami.snapshot_ids:
        try:
            ec2.delete_snapshot(SnapshotId=snapshot)
        except ClientError as e:
            if e.response["Error"]["Code"] not in ("InvalidSnapshot.NotFound", "InvalidSnapshot.InUse"):
                raise
            continue  # gone already, or another AMI still uses it
        deleted.append(snapshot)
    return deleted


def images_in_use(ec2, autoscaling, candidates: Iterable[str]) -> dict[str, str]:
    """AMI id -> why it must stay: a launch template version in use (the default, the latest,
    or one an auto-scaling group names) or an instance (not terminated) running from it."""
    wanted = set(candidates)
    reasons: dict[str, str] = {}
    if not wanted:
        return reasons

    def note(ami: str | None, reason: str) -> None:
        if ami in wanted:
            reasons.setdefault(ami, reason)

    for version in _template_versions(ec2, [{"Versions": ["$Default", "$Latest"]}]):
        kind = "default" if version["DefaultVersion"] else "latest"
        note(version["LaunchTemplateData"].get("ImageId"),
             f"launch template {version['LaunchTemplateName']} version {version['VersionNumber']} ({kind})")
    for spec in _asg_template_versions(autoscaling):
        for version in _template_versions(ec2, [spec]):
            note(version["LaunchTemplateData"].get("ImageId"),
                 f"launch template {version['LaunchTemplateName']} version {version['VersionNumber']} "
                 f"(auto-scaling group {spec['group']})")
    paginator = ec2.get_paginator("describe_instances")
    filters = [{"Name": "image-id", "Values": sorted(wanted)},
               {"Name": "instance-state-name", "Values": IN_USE_STATES}]
    for page in paginator.paginate(Filters=filters):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                note(instance["ImageId"], f"instance {instance['InstanceId']} ({instance['State']['Name']})")
    return reasons


def _template_versions(ec2, specs: list[dict]) -> list[dict]:
    versions = []
    for spec in specs:
        kwargs = {k: v for k, v in spec.items() if k in ("LaunchTemplateId", "LaunchTemplateName", "Versions")}
        try:
            for page in ec2.get_paginator("describe_launch_template_versions").paginate(**kwargs):
                versions += page["LaunchTemplateVersions"]
        except ClientError as e:
            if e.response["Error"]["Code"] not in ("InvalidLaunchTemplateId.NotFound",
                                                   "InvalidLaunchTemplateName.NotFoundException"):
                raise
    return versions


def _asg_template_versions(autoscaling) -> list[dict]:
    specs = []
    for page in autoscaling.get_paginator("describe_auto_scaling_groups").paginate():
        for group in page["AutoScalingGroups"]:
            template = group.get("LaunchTemplate") or (group.get("MixedInstancesPolicy") or {}).get(
                "LaunchTemplate", {}).get("LaunchTemplateSpecification")
            if not template:
                continue
            which = ({"LaunchTemplateId": template["LaunchTemplateId"]} if template.get("LaunchTemplateId")
                     else {"LaunchTemplateName": template["LaunchTemplateName"]})
            specs.append({**which, "Versions": [template.get("Version") or "$Default"],
                          "group": group["AutoScalingGroupName"]})
    return specs
