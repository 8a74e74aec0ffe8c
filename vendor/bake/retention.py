"""Retention of one customer environment's AMIs: read what exists and what is in use, plan
(pure, in vendor.bake.images), then deregister the rest and delete their snapshots."""
from __future__ import annotations

from collections.abc import Callable

from vendor.aws import images as ec2_images
from vendor.bake.images import RetentionPlan, plan_retention
from vendor.config.model import Config


def retention_plan(ec2, autoscaling, config: Config) -> RetentionPlan:
    images = ec2_images.list_images(ec2, config.customer, config.environment)
    in_use = ec2_images.images_in_use(ec2, autoscaling, [a.id for a in images])
    return plan_retention(images, config.image.keep, in_use)


def prune(ec2, plan: RetentionPlan, *, forget: Callable[[str], None], say: Callable[[str], None]) -> list[str]:
    """Retire what the plan says; `forget(ami_id)` drops content kept outside EC2 (a local layer)."""
    retired = []
    for ami in plan.retire:
        snapshots = ec2_images.retire(ec2, ami)
        forget(ami.id)
        retired.append(ami.id)
        say(f"retired {ami.id} ({ami.name}); deleted {', '.join(snapshots) or 'no snapshots'}")
    return retired
