"""Rollout batches for a fleet: which hosts are deployed together, by strategy. Pure."""
from __future__ import annotations

import math

STRATEGIES = ("one-at-a-time", "half-at-a-time", "all-at-once")


class RolloutPlanError(ValueError):
    pass


def batch_size(strategy: str, hosts: int, min_healthy: int | None = None) -> int:
    """Hosts per batch. `min_healthy` (hosts that must stay in service) caps the batch."""
    if strategy not in STRATEGIES:
        raise RolloutPlanError(f"unknown strategy '{strategy}' (use one of {', '.join(STRATEGIES)})")
    if hosts == 0:
        return 0
    size = {"one-at-a-time": 1, "half-at-a-time": max(1, math.floor(hosts / 2)), "all-at-once": hosts}[strategy]
    if min_healthy is not None:
        if min_healthy >= hosts and strategy != "all-at-once":
            raise RolloutPlanError(f"{min_healthy} healthy hosts required but the fleet has only {hosts} "
                                   "(lower the minimum or add hosts)")
        size = max(1, min(size, hosts - min_healthy)) if strategy != "all-at-once" else size
    return size


def batches(strategy: str, hosts: list[str], min_healthy: int | None = None) -> list[list[str]]:
    size = batch_size(strategy, len(hosts), min_healthy)
    return [hosts[i:i + size] for i in range(0, len(hosts), size)] if size else []
