"""EC2 (security groups): what AWS refuses and moto accepts."""
from __future__ import annotations

from moto.ec2.exceptions import EC2ClientError

from vendor.sandbox.refusals import refuses

# "You can specify a security group in a peered VPC or a VPC connected by a transit gateway";
# vend does neither, so a reference across VPCs is answered as a group that does not exist.
SECURITY_GROUP_RULES = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"


@refuses("moto.ec2.models.security_groups:SecurityGroupBackend.authorize_security_group_ingress",
         "InvalidGroup.NotFound", SECURITY_GROUP_RULES, EC2ClientError)
def source_group_vpc(backend, group_name_or_id, *args, **kwargs) -> str | None:
    """An ingress rule cannot reference a security group in another VPC."""
    group = backend.get_security_group_by_name_or_id(group_name_or_id, kwargs.get("vpc_id"))
    if group is None:
        return None  # moto answers InvalidGroup.NotFound itself
    for item in kwargs.get("source_groups") or []:
        source = backend.get_security_group_from_id(item.get("GroupId", "")) if item.get("GroupId") else None
        if source is not None and source.vpc_id != group.vpc_id:
            return (f"The security group '{source.id}' does not exist in VPC '{group.vpc_id}' "
                    f"(it is in '{source.vpc_id}')")
    return None
