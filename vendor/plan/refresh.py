"""How a new AMI reaches the fleet, decided from the config. Pure.

The launch template always gets a new version with the AMI (its default from then on), so new
instances start from it. Then the running instances are either replaced gradually by an
instance refresh, or left alone (`replace=False`). The refresh's minimum healthy percentage
follows the config's deploy strategy, for the fleet's desired size N:

    one-at-a-time   100 * (N - 1) // N   (one instance out of service at a time)
    half-at-a-time  50
    all-at-once     0
"""
from __future__ import annotations

from dataclasses import dataclass

from vendor.config.model import Config


@dataclass(frozen=True)
class RefreshPolicy:
    replace: bool
    min_healthy_percentage: int
    warmup_seconds: int


def refresh_policy(config: Config, *, replace: bool = True) -> RefreshPolicy:
    size = config.fleet.desired if config.fleet.desired is not None else config.fleet.min
    strategy = config.deploy.strategy
    if strategy == "one-at-a-time":
        healthy = 100 * (size - 1) // size if size > 1 else 0
    elif strategy == "half-at-a-time":
        healthy = 50
    else:
        healthy = 0
    return RefreshPolicy(replace, healthy, config.deploy.health_check_grace_seconds)
