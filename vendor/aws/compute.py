"""Launch template (a new default version per change) and the auto-scaling group that uses it.

The group pins the template's version number, so a new AMI or instance type shows up as a change
of the group. Instances already running keep their version until replaced (a deploy or an
instance refresh, which is not part of apply).
"""
from __future__ import annotations

import hashlib

from botocore.exceptions import ClientError

from vendor.aws.base import Handler, StackError, missing, resource_tags, retry_on, tag_list, wait_until
from vendor.plan.resources import Observed

POLICY = "cpu-target"
NOT_FOUND = ("InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound")


def _data(ctx, res, props) -> dict:
    ebs = {"VolumeSize": props["volume_gb"], "VolumeType": props["volume_type"], "Encrypted": props["encrypted"],
           "DeleteOnTermination": True}
    if props["kms_key"]:
        ebs["KmsKeyId"] = props["kms_key"]
    tags = tag_list(props["tags"])
    return {"ImageId": props["image"], "InstanceType": props["instance_type"],
            "IamInstanceProfile": {"Arn": props["profile"]}, "SecurityGroupIds": list(props["security_groups"]),
            "MetadataOptions": {"HttpTokens": props["metadata_tokens"], "HttpEndpoint": "enabled",
                                "HttpPutResponseHopLimit": 2},
            "BlockDeviceMappings": [{"DeviceName": props["root_device"], "Ebs": ebs}],
            "TagSpecifications": [{"ResourceType": "instance", "Tags": tags + [{"Key": "Name", "Value": res.name}]},
                                  {"ResourceType": "volume", "Tags": tags}]}


def _props(data: dict) -> dict:
    mappings = data.get("BlockDeviceMappings") or [{}]
    ebs = mappings[0].get("Ebs", {})
    specs = {s["ResourceType"]: s["Tags"] for s in data.get("TagSpecifications", [])}
    return {"image": data.get("ImageId"), "instance_type": data.get("InstanceType"),
            "profile": data.get("IamInstanceProfile", {}).get("Arn"),
            "security_groups": data.get("SecurityGroupIds", []),
            "metadata_tokens": data.get("MetadataOptions", {}).get("HttpTokens"),
            "root_device": mappings[0].get("DeviceName"), "volume_gb": ebs.get("VolumeSize"),
            "volume_type": ebs.get("VolumeType"), "encrypted": ebs.get("Encrypted"), "kms_key": ebs.get("KmsKeyId"),
            "tags": {t["Key"]: t["Value"] for t in specs.get("volume", [])}}


class LaunchTemplate(Handler):
    kind = "launch template"

    def read(self, ctx, res, props):
        ec2 = ctx.client("ec2")
        try:
            versions = ec2.describe_launch_template_versions(LaunchTemplateName=res.name, Versions=["$Default"])
        except ClientError as error:
            if missing(error, *NOT_FOUND):
                return None
            raise
        v = versions["LaunchTemplateVersions"][0]
        return Observed(v["LaunchTemplateId"], _props(v["LaunchTemplateData"]), {"version": str(v["VersionNumber"])})

    def _check(self, res, props) -> None:
        if not props["image"]:
            raise StackError(f"no AMI has been baked for {res.name} (no image tagged ManagedBy=vend, Customer, "
                             "Environment); bake one with `vend bake CONFIG`, then apply again")

    def create(self, ctx, res, props):
        self._check(res, props)
        token = hashlib.sha256(repr(sorted(props.items())).encode()).hexdigest()[:64]
        template = ctx.client("ec2").create_launch_template(
            LaunchTemplateName=res.name, ClientToken=token, LaunchTemplateData=_data(ctx, res, props),
            VersionDescription="vend", TagSpecifications=[{"ResourceType": "launch-template",
                                                           "Tags": tag_list(resource_tags(ctx, res))}])["LaunchTemplate"]
        return Observed(template["LaunchTemplateId"], props, {"version": str(template["DefaultVersionNumber"])})

    def update(self, ctx, res, props, observed, changed):
        self._check(res, props)
        ec2 = ctx.client("ec2")
        version = ec2.create_launch_template_version(LaunchTemplateId=observed.id, VersionDescription="vend",
                                                     LaunchTemplateData=_data(ctx, res, props))
        number = str(version["LaunchTemplateVersion"]["VersionNumber"])
        ec2.modify_launch_template(LaunchTemplateId=observed.id, DefaultVersion=number)
        return Observed(observed.id, props, {"version": number})

    def delete(self, ctx, res, observed):
        ctx.client("ec2").delete_launch_template(LaunchTemplateId=observed.id)


IAM_NOT_READY = ("iaminstanceprofile", "instance profile", "iam:passrole")


def instance_profile_not_ready(error: ClientError) -> bool:
    """A ValidationError that a new instance profile or role not yet visible to EC2 explains (it
    settles within a minute or two); any other ValidationError is the user's to see at once."""
    message = str(error.response.get("Error", {}).get("Message", "")).lower()
    return any(hint in message for hint in IAM_NOT_READY)


class AutoScalingGroup(Handler):
    kind = "auto-scaling group"

    def read(self, ctx, res, props):
        autoscaling = ctx.client("autoscaling")
        groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[res.name])["AutoScalingGroups"]
        if not groups:
            return None
        g = groups[0]
        policies = autoscaling.describe_policies(AutoScalingGroupName=res.name, PolicyNames=[POLICY])["ScalingPolicies"]
        target = policies[0].get("TargetTrackingConfiguration", {}).get("TargetValue") if policies else None
        template = g.get("LaunchTemplate", {})
        return Observed(g["AutoScalingGroupName"], {
            "launch_template": template.get("LaunchTemplateId"), "version": template.get("Version"),
            "min": g["MinSize"], "max": g["MaxSize"], "desired": g["DesiredCapacity"],
            "subnets": sorted(s for s in g.get("VPCZoneIdentifier", "").split(",") if s),
            "target_groups": g.get("TargetGroupARNs", []), "health_check_type": g.get("HealthCheckType"),
            "grace_seconds": g.get("HealthCheckGracePeriod"), "cpu_target": int(target) if target is not None else None},
            {"arn": g["AutoScalingGroupARN"], "instances": len(g.get("Instances", []))})

    def _settings(self, props) -> dict:
        return {"LaunchTemplate": {"LaunchTemplateId": props["launch_template"], "Version": props["version"]},
                "MinSize": props["min"], "MaxSize": props["max"], "VPCZoneIdentifier": ",".join(props["subnets"]),
                "HealthCheckType": props["health_check_type"], "HealthCheckGracePeriod": props["grace_seconds"]}

    def create(self, ctx, res, props):
        tags = [{"Key": k, "Value": v, "PropagateAtLaunch": False} for k, v in resource_tags(ctx, res).items()]
        retry_on(("ValidationError",), lambda: ctx.client("autoscaling").create_auto_scaling_group(
            AutoScalingGroupName=res.name, DesiredCapacity=props["desired"], TargetGroupARNs=list(props["target_groups"]),
            Tags=tags, **self._settings(props)), f"creating {res.key}", when=instance_profile_not_ready,
            delay=ctx.delay, backoff=2, max_delay=30, attempts=8)  # ~2.5 min at 5 s: IAM propagation
        self._policy(ctx, res, props)
        return Observed(res.name, props)

    def _policy(self, ctx, res, props) -> None:
        ctx.client("autoscaling").put_scaling_policy(
            AutoScalingGroupName=res.name, PolicyName=POLICY, PolicyType="TargetTrackingScaling",
            TargetTrackingConfiguration={"PredefinedMetricSpecification": {
                "PredefinedMetricType": "ASGAverageCPUUtilization"}, "TargetValue": float(props["cpu_target"])})

    def update(self, ctx, res, props, observed, changed):
        autoscaling = ctx.client("autoscaling")
        if changed - {"target_groups", "cpu_target"}:
            autoscaling.update_auto_scaling_group(AutoScalingGroupName=res.name, **self._settings(props))
        if "target_groups" in changed:
            have, want = set(observed.props["target_groups"]), set(props["target_groups"])
            if want - have:
                autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName=res.name,
                                                               TargetGroupARNs=sorted(want - have))
            if have - want:
                autoscaling.detach_load_balancer_target_groups(AutoScalingGroupName=res.name,
                                                               TargetGroupARNs=sorted(have - want))
        if "cpu_target" in changed:
            self._policy(ctx, res, props)
        return Observed(res.name, props, observed.attrs)

    def delete(self, ctx, res, observed):
        ctx.client("autoscaling").delete_auto_scaling_group(AutoScalingGroupName=res.name, ForceDelete=True)
        wait_until(lambda: self.read(ctx, res, {}) is None, f"{res.key} to terminate its instances", delay=ctx.delay)


HANDLERS = [LaunchTemplate(), AutoScalingGroup()]
