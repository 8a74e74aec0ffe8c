"""Point a launch template at a new AMI (a new version, made the default) and replace the
auto-scaling group's instances with an instance refresh.

moto does not implement StartInstanceRefresh: it sits behind `InstanceRefresher`, whose EC2 Auto
Scaling implementation is tested with botocore's Stubber (which checks requests against the API).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError


class RolloutError(Exception):
    """The new AMI cannot be rolled out; the message says what to fix."""


class RefreshUnsupported(RolloutError):
    """The endpoint has no StartInstanceRefresh (the embedded emulator does not implement it)."""


@dataclass(frozen=True)
class TemplateVersion:
    template: str
    version: int
    previous_ami: str | None


def new_template_version(ec2, template: str, ami_id: str, *, description: str) -> TemplateVersion:
    """A new version of `template` that differs from its latest only in the AMI; made the default."""
    try:
        latest = ec2.describe_launch_template_versions(LaunchTemplateName=template, Versions=["$Latest"])
    except ClientError as e:
        if e.response["Error"]["Code"] in ("InvalidLaunchTemplateName.NotFoundException",
                                           "InvalidLaunchTemplateId.NotFound"):
            raise RolloutError(f"launch template {template} does not exist: create the stack first (vend apply)") from None
        raise
    current = latest["LaunchTemplateVersions"][0]
    previous = current["LaunchTemplateData"].get("ImageId")
    if previous == ami_id and current.get("DefaultVersion"):
        return TemplateVersion(template, current["VersionNumber"], previous)  # already there
    # the latest version's data in full (not only SourceVersion, which moto ignores), fitted to the
    # request shape (responses carry read-only fields such as MetadataOptions.State)
    shape = ec2.meta.service_model.shape_for("RequestLaunchTemplateData")
    data = {**_fit(current["LaunchTemplateData"], shape), "ImageId": ami_id}
    created = ec2.create_launch_template_version(
        LaunchTemplateName=template, SourceVersion="$Latest", VersionDescription=description[:255],
        LaunchTemplateData=data)
    number = created["LaunchTemplateVersion"]["VersionNumber"]
    ec2.modify_launch_template(LaunchTemplateName=template, DefaultVersion=str(number))
    return TemplateVersion(template, number, previous)


def _fit(value, shape):
    """`value` with every key the request shape does not know dropped, recursively."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _fit(v, shape.members[k]) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_fit(v, shape.member) for v in value]
    return value


class InstanceRefresher(Protocol):
    def start(self, group: str, *, template: str, version: int, min_healthy_percentage: int,
              warmup_seconds: int) -> str: ...


class AutoScalingRefresher:
    """Instance refresh of EC2 Auto Scaling: rolling, skipping instances already on the version."""

    def __init__(self, autoscaling):
        self.autoscaling = autoscaling

    def start(self, group: str, *, template: str, version: int, min_healthy_percentage: int,
              warmup_seconds: int) -> str:
        try:
            response = self.autoscaling.start_instance_refresh(
                AutoScalingGroupName=group, Strategy="Rolling",
                DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateName": template, "Version": str(version)}},
                Preferences={"MinHealthyPercentage": min_healthy_percentage, "InstanceWarmup": warmup_seconds,
                             "SkipMatching": True})
        except ClientError as e:
            code, message = e.response["Error"]["Code"], e.response["Error"].get("Message", "")
            if code == "InstanceRefreshInProgress":
                raise RolloutError(f"an instance refresh of {group} is already running: wait for it to finish, "
                                   f"or cancel it (aws autoscaling cancel-instance-refresh --auto-scaling-group-name {group})") from None
            if code == "ValidationError" and "not found" in message.lower():
                raise RolloutError(f"auto-scaling group {group} does not exist: create the stack first (vend apply)") from None
            raise RolloutError(f"starting the instance refresh of {group} failed: {code}: {message}") from None
        except (BotoCoreError, ResponseParserError) as e:  # e.g. an endpoint without the API (the embedded emulator answers 500)
            raise RefreshUnsupported(f"starting the instance refresh of {group} failed ({str(e).splitlines()[0]}); "
                                     "this endpoint may not implement StartInstanceRefresh") from None
        return response["InstanceRefreshId"]


@dataclass(frozen=True)
class AmiRollout:
    version: TemplateVersion
    refresh_id: str | None  # None: instances left alone


def roll_out(ec2, refresher: InstanceRefresher, *, template: str, group: str, ami_id: str,
             replace: bool, min_healthy_percentage: int, warmup_seconds: int) -> AmiRollout:
    version = new_template_version(ec2, template, ami_id, description=f"vend: image {ami_id}")
    if not replace:
        return AmiRollout(version, None)
    refresh = refresher.start(group, template=template, version=version.version,
                              min_healthy_percentage=min_healthy_percentage, warmup_seconds=warmup_seconds)
    return AmiRollout(version, refresh)
