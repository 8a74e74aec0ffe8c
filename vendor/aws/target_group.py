"""Traffic control through an ELBv2 target group: deregister and wait for draining, register."""
from __future__ import annotations

import time
from typing import Callable

DRAIN_POLL = 0.5


class TargetGroupTraffic:
    """BlockTraffic / AllowTraffic for hosts behind a target group.

    `target_of(host)` gives the target id (instance id, or the address for `ip` target groups).
    """

    def __init__(self, elbv2, target_group_arn: str, port: int, *,
                 target_of: Callable[[object], str] = lambda host: host.address, drain_timeout: float = 300.0):
        self.elbv2, self.arn, self.port = elbv2, target_group_arn, port
        self.target_of, self.drain_timeout = target_of, drain_timeout

    def _target(self, host) -> dict:
        return {"Id": self.target_of(host), "Port": self.port}

    def state(self, host) -> str:
        found = self.elbv2.describe_target_health(TargetGroupArn=self.arn, Targets=[self._target(host)])
        descriptions = found.get("TargetHealthDescriptions", [])
        return descriptions[0]["TargetHealth"]["State"] if descriptions else "unused"

    def registered(self) -> set[str]:
        found = self.elbv2.describe_target_health(TargetGroupArn=self.arn)
        return {d["Target"]["Id"] for d in found["TargetHealthDescriptions"]
                if d["TargetHealth"]["State"] not in ("unused", "draining")}

    def block(self, host) -> None:
        if self.target_of(host) not in self.registered():
            return  # not in service yet (a new host): nothing to drain
        self.elbv2.deregister_targets(TargetGroupArn=self.arn, Targets=[self._target(host)])
        deadline = time.monotonic() + self.drain_timeout
        while self.state(host) == "draining":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{host} still draining after {self.drain_timeout:g}s")
            time.sleep(DRAIN_POLL)

    def allow(self, host) -> None:
        self.elbv2.register_targets(TargetGroupArn=self.arn, Targets=[self._target(host)])
