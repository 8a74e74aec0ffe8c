"""Routes for the local front door, read from ELBv2: vend's load balancers' HTTPS listener rules,
each with the healthy registered targets of the target group it forwards to."""
from __future__ import annotations

from typing import Callable

from vendor.aws.listener_rules import read_rules
from vendor.sandbox.frontdoor import Route

SERVING = ("healthy", "initial", "unavailable")  # registered and not draining (moto has no health checker)


def vend_https_listeners(elbv2) -> list[str]:
    arns = [lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]]
    out = []
    for arn in arns:
        for listener in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]:
            if listener["Port"] == 443:
                out.append(listener["ListenerArn"])
    return out


def routes(elbv2, address_of: Callable[[str], str | None]) -> list[Route]:
    """`address_of(target id)` gives where a target answers (instance id -> local host address)."""
    out = []
    for rule in read_rules(elbv2, vend_https_listeners(elbv2)):
        for tg in rule.target_group_arns:
            health = elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
            targets = []
            for d in health:
                address = address_of(d["Target"]["Id"])
                if d["TargetHealth"]["State"] in SERVING and address:
                    targets.append((address, d["Target"].get("Port") or 80))
            out.append(Route(rule.priority, rule.hosts, rule.paths, tuple(sorted(targets)), rule.rule_arn))
    return out
