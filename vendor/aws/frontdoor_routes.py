"""Routes for the local front door, read from ELBv2: the load balancers' HTTPS listener rules,
each with the healthy registered targets of the target group it forwards to."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from vendor.aws.listener_rules import is_https, listeners, read_rules



@dataclass(frozen=True)
class Route:
    """One listener rule as the front door routes it."""
    priority: int
    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    targets: tuple[tuple[str, int], ...]  # healthy registered (address, port)
    name: str = ""


SERVING = ("healthy", "initial", "unavailable")  # registered and not draining (moto has no health checker)


def https_listeners(elbv2) -> list[str]:
    """The HTTPS:443 listener of every load balancer in the account and region."""
    pages = elbv2.get_paginator("describe_load_balancers").paginate()
    return [listener["ListenerArn"] for page in pages for lb in page["LoadBalancers"]
            for listener in listeners(elbv2, lb["LoadBalancerArn"]) if is_https(listener)]


def routes(elbv2, address_of: Callable[[str], str | None]) -> list[Route]:
    """`address_of(target id)` gives where a target answers (instance id -> local host address)."""
    out = []
    for rule in read_rules(elbv2, https_listeners(elbv2)):
        for tg in rule.target_group_arns:
            health = elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
            targets = []
            for d in health:
                address = address_of(d["Target"]["Id"])
                if d["TargetHealth"]["State"] in SERVING and address:
                    targets.append((address, d["Target"].get("Port") or 80))
            out.append(Route(rule.priority, rule.hosts, rule.paths, tuple(sorted(targets)), rule.rule_arn))
    return out
