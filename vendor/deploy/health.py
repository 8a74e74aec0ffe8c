"""The application's health check, asked of one host the way its target group asks it."""
from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class HealthCheck:
    path: str = "/health"
    port: int = 80
    interval: float = 15.0
    timeout: float = 5.0
    healthy_threshold: int = 3
    unhealthy_threshold: int = 3
    matcher: str = "200-399"

    @classmethod
    def from_routing(cls, routing, *, interval: float | None = None) -> "HealthCheck":
        hc = routing.health_check
        return cls(hc.path, routing.port, interval if interval is not None else hc.interval_seconds,
                   hc.timeout_seconds, hc.healthy_threshold, hc.unhealthy_threshold, hc.matcher)


def matches(matcher: str, status: int) -> bool:
    """ALB matcher semantics: "200", "200-299" or "200,302"."""
    if "-" in matcher:
        low, high = (int(x) for x in matcher.split("-"))
        return low <= status <= high
    return status in {int(x) for x in matcher.split(",")}


def probe(address: str, check: HealthCheck) -> tuple[bool, str]:
    conn = http.client.HTTPConnection(address, check.port, timeout=check.timeout)
    try:
        conn.request("GET", check.path, headers={"User-Agent": "ELB-HealthChecker/2.0"})
        status = conn.getresponse().status
        return matches(check.matcher, status), f"HTTP {status}"
    except (OSError, http.client.HTTPException) as e:
        return False, type(e).__name__ if not str(e) else str(e)
    finally:
        conn.close()


class Unhealthy(Exception):
    pass


def wait_healthy(address: str, check: HealthCheck, *, grace: float = 0.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
    """Healthy after `healthy_threshold` passes in a row; Unhealthy after `unhealthy_threshold`
    failures in a row once the grace period is over."""
    started, passes, failures = time.monotonic(), 0, 0
    while True:
        ok, what = probe(address, check)
        passes, failures = (passes + 1, 0) if ok else (0, failures + 1)
        if passes >= check.healthy_threshold:
            return
        if failures >= check.unhealthy_threshold and time.monotonic() - started >= grace:
            raise Unhealthy(f"{address}:{check.port}{check.path} failed {failures} health checks in a row "
                            f"(last: {what}; matcher {check.matcher})")
        sleep(check.interval)
