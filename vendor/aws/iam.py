"""IAM roles (trust policy + one inline policy named `vend`) and the instance profile, by name."""
from __future__ import annotations

import json
from urllib.parse import unquote

from botocore.exceptions import ClientError

from vendor.aws.base import Handler, missing, tag_list
from vendor.plan.resources import Observed

POLICY = "vend"


def _doc(value) -> dict:
    return json.loads(unquote(value)) if isinstance(value, str) else value


class Role(Handler):
    kind = "iam role"

    def read(self, ctx, res, props):
        iam = ctx.client("iam")
        try:
            role = iam.get_role(RoleName=res.name)["Role"]
        except ClientError as error:
            if missing(error, "NoSuchEntity"):
                return None
            raise
        try:
            policy = _doc(iam.get_role_policy(RoleName=res.name, PolicyName=POLICY)["PolicyDocument"])
        except ClientError as error:
            if not missing(error, "NoSuchEntity"):
                raise
            policy = None
        return Observed(role["RoleName"], {"path": role["Path"], "trust": _doc(role["AssumeRolePolicyDocument"]),
                                           "policy": policy}, {"arn": role["Arn"]})

    def create(self, ctx, res, props):
        role = ctx.client("iam").create_role(
            RoleName=res.name, Path=props["path"], AssumeRolePolicyDocument=json.dumps(props["trust"]),
            Description=f"vend {res.name}", Tags=tag_list(ctx.tags))["Role"]
        self.update(ctx, res, props, Observed(res.name), {"policy"})
        return Observed(res.name, props, {"arn": role["Arn"]})

    def update(self, ctx, res, props, observed, changed):
        iam = ctx.client("iam")
        if "trust" in changed:
            iam.update_assume_role_policy(RoleName=res.name, PolicyDocument=json.dumps(props["trust"]))
        if "policy" in changed:
            iam.put_role_policy(RoleName=res.name, PolicyName=POLICY, PolicyDocument=json.dumps(props["policy"]))
        return Observed(res.name, props, observed.attrs)

    def delete(self, ctx, res, observed):
        iam = ctx.client("iam")
        for name in iam.list_role_policies(RoleName=res.name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=res.name, PolicyName=name)
        for attached in iam.list_attached_role_policies(RoleName=res.name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=res.name, PolicyArn=attached["PolicyArn"])
        for profile in iam.list_instance_profiles_for_role(RoleName=res.name)["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"],
                                                  RoleName=res.name)
        iam.delete_role(RoleName=res.name)


class InstanceProfile(Handler):
    kind = "instance profile"

    def read(self, ctx, res, props):
        try:
            profile = ctx.client("iam").get_instance_profile(InstanceProfileName=res.name)["InstanceProfile"]
        except ClientError as error:
            if missing(error, "NoSuchEntity"):
                return None
            raise
        roles = [r["RoleName"] for r in profile.get("Roles", [])]
        return Observed(res.name, {"path": profile["Path"], "role": roles[0] if roles else None},
                        {"arn": profile["Arn"]})

    def create(self, ctx, res, props):
        profile = ctx.client("iam").create_instance_profile(InstanceProfileName=res.name, Path=props["path"],
                                                            Tags=tag_list(ctx.tags))["InstanceProfile"]
        observed = Observed(res.name, {"path": props["path"], "role": None}, {"arn": profile["Arn"]})
        return self.update(ctx, res, props, observed, {"role"})

    def update(self, ctx, res, props, observed, changed):
        iam = ctx.client("iam")
        if observed.props.get("role"):
            iam.remove_role_from_instance_profile(InstanceProfileName=res.name, RoleName=observed.props["role"])
        iam.add_role_to_instance_profile(InstanceProfileName=res.name, RoleName=props["role"])
        return Observed(res.name, props, observed.attrs)

    def delete(self, ctx, res, observed):
        iam = ctx.client("iam")
        if observed.props.get("role"):
            iam.remove_role_from_instance_profile(InstanceProfileName=res.name, RoleName=observed.props["role"])
        iam.delete_instance_profile(InstanceProfileName=res.name)


HANDLERS = [Role(), InstanceProfile()]
