"""Where one customer environment's listener rule goes on the shared ALBs. Pure.

Input: the observed non-default rules of every listener of each shared load balancer (in
`routing.shared_load_balancers` order) and the wanted rule. Output: a `RulePlan` (create, modify
or keep) or a `PriorityPlanError` whose message says what is wrong and how to fix it.

- The rule of a customer environment is found by its tags (`ManagedBy=vend`, `Customer`,
  `Environment`), never by conditions or priority. Once it exists its priority never changes:
  when its conditions or target group differ, the plan is "modify" at the same priority.
- A new rule goes on the HTTPS listener of the first load balancer with room under AWS's quota of
  100 rules per load balancer (every listener's non-default rules count).
- Free priority: start at a hash of `customer/environment` (SHA-256, so the same on every machine
  and Python run) mapped into 1..50000, and probe upward (wrapping from 50000 to 1) to the first
  priority not taken on that listener. Deterministic, yet two environments applied at the same
  time start far apart, so they rarely race for the same priority; when they do, AWS refuses the
  second with `PriorityInUse` and the caller re-reads and plans again.
- Overlap: a rule of another customer environment (or an unmanaged rule) on the same listener may
  not match the same requests: both have hosts, a host in common and path sets that overlap (an
  empty path set matches every path), or neither has hosts and they share a path. Values "in
  common" are equal, or one matches the other as an ALB wildcard (`*`, `?`); hosts compare
  case-insensitively. Equal condition sets are one case of this.
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from vendor.config.model import Config
from vendor.config.names import MANAGED_BY
from vendor.plan.alb_match import pattern_matches

MIN_PRIORITY = 1
MAX_PRIORITY = 50000
RULES_PER_LOAD_BALANCER = 100
FIX_FULL = "add another load balancer to routing/shared_load_balancers"


class PriorityPlanError(ValueError):
    pass


@dataclass(frozen=True)
class ObservedRule:
    """A non-default listener rule as read from AWS; `tags` are (key, value) pairs."""

    listener_arn: str
    rule_arn: str
    priority: int
    hosts: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    target_group_arns: tuple[str, ...] = ()

    def tag(self, key: str) -> str | None:
        return dict(self.tags).get(key)

    @property
    def owner(self) -> tuple[str, str] | None:
        """(customer, environment) of a vend rule; None for a rule vend does not manage."""
        customer, environment = self.tag("Customer"), self.tag("Environment")
        if self.tag("ManagedBy") != MANAGED_BY or not customer or not environment:
            return None
        return customer, environment


@dataclass(frozen=True)
class SharedLoadBalancer:
    name: str
    https_listener_arn: str
    rules: tuple[ObservedRule, ...]  # non-default rules of all its listeners


@dataclass(frozen=True)
class WantedRule:
    customer: str
    environment: str
    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    target_group_arn: str | None = None  # None: the forward target is not compared


@dataclass(frozen=True)
class RulePlan:
    action: str  # "create" | "modify" | "keep"
    load_balancer: str
    listener_arn: str
    priority: int
    rule_arn: str | None = None  # None when the rule is to be created

    def describe(self) -> str:
        verb = {"create": "create rule", "modify": "modify conditions of rule", "keep": "keep rule"}[self.action]
        return f"{verb} at priority {self.priority} on {self.load_balancer}"


def wanted_rule(config: Config, target_group_arn: str | None = None) -> WantedRule:
    r = config.routing
    return WantedRule(config.customer, config.environment, tuple(r.hosts), tuple(r.paths), target_group_arn)


def start_priority(customer: str, environment: str) -> int:
    digest = hashlib.sha256(f"{customer}/{environment}".encode()).digest()
    return MIN_PRIORITY + int.from_bytes(digest[:8], "big") % (MAX_PRIORITY - MIN_PRIORITY + 1)


def free_priority(taken: Collection[int], start: int) -> int | None:
    """The first priority >= start not in `taken`, wrapping from 50000 to 1; None when all are."""
    span = MAX_PRIORITY - MIN_PRIORITY + 1
    for step in range(span):
        candidate = MIN_PRIORITY + (start - MIN_PRIORITY + step) % span
        if candidate not in taken:
            return candidate
    return None


def plan_rule(wanted: WantedRule, load_balancers: Sequence[SharedLoadBalancer], *,
              avoid: Collection[tuple[str, int]] = ()) -> RulePlan:
    """Plan the rule of `wanted`. `avoid`: (listener arn, priority) pairs known to be taken even if
    the observed rules do not show them yet (a `PriorityInUse` answer)."""
    if not wanted.hosts and not wanted.paths:
        raise PriorityPlanError("routing: no hosts and no paths, the listener rule would match nothing; "
                                "add routing/hosts or routing/paths")
    if not load_balancers:
        raise PriorityPlanError(f"routing/shared_load_balancers is empty; {FIX_FULL}")
    me = (wanted.customer, wanted.environment)
    own = [(lb, rule) for lb in load_balancers for rule in lb.rules if rule.owner == me]
    if len(own) > 1:
        where = ", ".join(f"priority {rule.priority} on {lb.name} ({rule.rule_arn})" for lb, rule in own)
        raise PriorityPlanError(f"customer {me[0]} environment {me[1]} has {len(own)} vend listener rules: {where}; "
                                "delete all but one of them, then apply again")
    if own:
        lb, rule = own[0]
        _refuse_overlap(wanted, lb, rule.listener_arn, rule.rule_arn)
        same = (sorted(h.lower() for h in rule.hosts) == sorted(h.lower() for h in wanted.hosts)
                and sorted(rule.paths) == sorted(wanted.paths)
                and (wanted.target_group_arn is None or rule.target_group_arns == (wanted.target_group_arn,)))
        return RulePlan("keep" if same else "modify", lb.name, rule.listener_arn, rule.priority, rule.rule_arn)
    for lb in load_balancers:
        if len(lb.rules) >= RULES_PER_LOAD_BALANCER:
            continue
        _refuse_overlap(wanted, lb, lb.https_listener_arn, None)
        taken = {r.priority for r in lb.rules if r.listener_arn == lb.https_listener_arn}
        taken |= {p for arn, p in avoid if arn == lb.https_listener_arn}
        priority = free_priority(taken, start_priority(*me))
        if priority is not None:
            return RulePlan("create", lb.name, lb.https_listener_arn, priority)
    full = ", ".join(f"{lb.name} has {len(lb.rules)} of {RULES_PER_LOAD_BALANCER} rules" for lb in load_balancers)
    raise PriorityPlanError(f"no room for the listener rule of customer {me[0]} environment {me[1]}: {full}; "
                            f"{FIX_FULL}")


def _refuse_overlap(wanted: WantedRule, lb: SharedLoadBalancer, listener_arn: str, own_arn: str | None) -> None:
    for rule in sorted(lb.rules, key=lambda r: r.priority):
        if rule.listener_arn != listener_arn or rule.rule_arn == own_arn or not overlaps(wanted, rule):
            continue
        owner = rule.owner
        whose = (f"the rule of customer {owner[0]} environment {owner[1]}" if owner
                 else f"a rule vend does not manage ({rule.rule_arn})")
        raise PriorityPlanError(f"routing: {_conditions(wanted.hosts, wanted.paths)} overlap {whose} "
                                f"({_conditions(rule.hosts, rule.paths)}) at priority {rule.priority} on {lb.name}; "
                                "change routing/hosts or routing/paths so no request matches both rules")


def overlaps(wanted: WantedRule, rule: ObservedRule) -> bool:
    if wanted.hosts and rule.hosts:
        if not _common(wanted.hosts, rule.hosts, fold=True):
            return False
        return not wanted.paths or not rule.paths or _common(wanted.paths, rule.paths, fold=False)
    if not wanted.hosts and not rule.hosts:
        return _common(wanted.paths, rule.paths, fold=False)
    return False


def _common(ours: Iterable[str], theirs: Iterable[str], *, fold: bool) -> bool:
    return any(pattern_matches(a, b, fold=fold) or pattern_matches(b, a, fold=fold) for a in ours for b in theirs)


def _conditions(hosts: Sequence[str], paths: Sequence[str]) -> str:
    parts = [f"hosts {', '.join(hosts)}" if hosts else "", f"paths {', '.join(paths)}" if paths else ""]
    return " with ".join(p for p in parts if p) or "no conditions"
