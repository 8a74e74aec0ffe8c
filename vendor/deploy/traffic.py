"""Traffic control around a host's deployment: a host is let back in only once it is healthy."""
from __future__ import annotations

from vendor.deploy.health import HealthCheck, wait_healthy


class HealthGatedTraffic:
    """Wraps a traffic controller (e.g. a target group): `allow` first waits until the host passes
    the application's health check as the target group would ask it, then registers it."""

    def __init__(self, inner, health: HealthCheck, *, grace: float = 0.0):
        self.inner, self.health, self.grace = inner, health, grace

    def block(self, host) -> None:
        self.inner.block(host)

    def allow(self, host) -> None:
        wait_healthy(host.address, self.health, grace=self.grace)
        self.inner.allow(host)
