"""Names of the AWS resources of one customer environment, and AWS's limits on them."""
from __future__ import annotations

from vendor.config.model import Config

PREFIX = "vend"
MANAGED_BY = "vend"
OWNERSHIP_TAG_KEYS = ("Customer", "Environment", "ManagedBy")
# The embedded emulator creates a VPC/subnet tagged with this under the id the tag names
# (vendor.sandbox.moto_stand_ins); AWS has no such tag.
SANDBOX_ID_TAG = "vend:sandbox-id"


def ownership_tags(customer: str, environment: str) -> dict[str, str]:
    """The tags by which vend finds what it made: on every resource, every AMI, every rule."""
    return dict(zip(OWNERSHIP_TAG_KEYS, (customer, environment, MANAGED_BY)))


def base(config: Config) -> str:
    return f"{PREFIX}-{config.customer}-{config.environment}"


# resource -> (name, AWS's length limit); every name is derived from customer + environment
def resource_names(config: Config) -> dict[str, tuple[str, int]]:
    b = base(config)
    return {
        "target group": (b, 32),
        "load balancer": (b, 32),
        "auto-scaling group": (b, 255),
        "launch template": (b, 128),
        "database": (b, 63),
        "CodeBuild project": (b, 150),
        "CodeDeploy application": (b, 100),
        "CodePipeline": (b, 100),
        "IAM role": (f"{b}-codepipeline", 64),
        "AMI": (f"{b}-0123456789ab-20260101000000", 128),
    }
