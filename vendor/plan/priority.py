"""Where one customer environment's listener rule goes on the shared ALBs. Pure.

Input: the observed non-default rules of every listener of each shared load balancer (in
`routing.shared_load_balancers` order) and the wanted rule. Output: a `RulePlan` (create, modify,
move or keep) or a `PriorityPlanError` whose message says what is wrong and how to fix it.

- Order by specificity. An ALB tries rules lowest priority first and the first match wins, so a
  request must meet the most specific rule that matches it first. Priorities 1..50000 are split in
  three disjoint bands: host+path rules (1..16666) before host-only rules (16667..33333) before
  path-only rules (33334..50000). A host-only rule and a path-only rule of two customers can both
  match one request (`Host: shop.acme.example`, `/umbrella/`): the host's owner gets it.
- The rule of a customer environment is found by its tags (`ManagedBy=vend`, `Customer`,
  `Environment`), never by conditions or priority. Once it has a priority in its band, the priority
  never changes: when its conditions or target group differ, the plan is "modify" at the same
  priority. A rule found in the wrong band (placed before bands existed, or its conditions changed
  kind) is moved into its band (SetRulePriorities), and the plan says so.
- A new rule goes on the HTTPS listener of the first load balancer with room under AWS's quota of
  100 rules per load balancer (every listener's non-default rules count) and, when the rule brings
  a certificate, under the quota of 25 certificates per HTTPS listener besides the default one.
- Free priority: start at a hash of `customer/environment` (SHA-256, so the same on every machine
  and Python run) mapped into the rule's band, and probe upward (wrapping inside the band) to the
  first priority not taken on that listener. Deterministic, yet two environments applied at the
  same time start far apart, so they rarely race for the same priority; when they do, AWS refuses
  the second with `PriorityInUse` and the caller re-reads and plans again.
- Conflicts: a rule of another customer environment (or an unmanaged rule) on the same listener
  that can match the same requests (hosts in common or either without hosts, and paths in common
  or either without paths; values "in common" are equal or one matches the other as an ALB
  wildcard, hosts case-insensitively) is refused when band order cannot give each request to its
  owner: both rules of one band, or a host+path rule on a host another customer's host-only rule
  serves. Between a rule with hosts and a path-only rule the host's rule wins; when an existing
  rule sits in the wrong band so that the path-only rule would come first, that is refused too,
  with the fix (apply the other environment, which moves its rule).
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from vendor.config.model import Config
from vendor.config.names import MANAGED_BY
from vendor.plan.alb_match import pattern_matches

MIN_PRIORITY = 1
MAX_PRIORITY = 50000
RULES_PER_LOAD_BALANCER = 100
CERTIFICATES_PER_LISTENER = 25  # besides the default certificate
FIX_FULL = "add another load balancer to routing/shared_load_balancers"


@dataclass(frozen=True)
class Band:
    name: str  # "host+path" | "host-only" | "path-only"
    low: int
    high: int

    def __contains__(self, priority: int) -> bool:
        return self.low <= priority <= self.high


BANDS = (Band("host+path", 1, 16666), Band("host-only", 16667, 33333), Band("path-only", 33334, 50000))


def band_of(hosts: Sequence[str], paths: Sequence[str]) -> Band:
    """The band a rule with these conditions belongs in."""
    return BANDS[0] if hosts and paths else BANDS[1] if hosts else BANDS[2]


def band_at(priority: int) -> Band:
    """The band a priority lies in."""
    return next(b for b in BANDS if priority in b)


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

    @functools.cached_property
    def owner(self) -> tuple[str, str] | None:
        """(customer, environment) of a vend rule; None for a rule vend does not manage. (Worked
        out once per rule: every environment of a fleet run looks for its own among them all.)"""
        customer, environment = self.tag("Customer"), self.tag("Environment")
        if self.tag("ManagedBy") != MANAGED_BY or not customer or not environment:
            return None
        return customer, environment


@dataclass(frozen=True)
class SharedLoadBalancer:
    name: str
    https_listener_arn: str
    rules: tuple[ObservedRule, ...]  # non-default rules of all its listeners
    certificates: tuple[str, ...] = ()  # the HTTPS listener's certificates besides the default


@dataclass(frozen=True)
class WantedRule:
    customer: str
    environment: str
    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    target_group_arn: str | None = None  # None: the forward target is not compared
    certificate_arn: str | None = None  # to serve on the HTTPS listener (SNI)


@dataclass(frozen=True)
class RulePlan:
    action: str  # "create" | "modify" | "keep"
    load_balancer: str
    listener_arn: str
    priority: int
    rule_arn: str | None = None  # None when the rule is to be created
    moved_from: int | None = None  # the priority of an existing rule found in the wrong band
    certificate: str | None = None  # a certificate to attach to the listener

    def describe(self) -> str:
        verb = {"create": "create rule", "modify": "modify conditions of rule", "keep": "keep rule"}[self.action]
        if self.moved_from is not None:
            verb = {"keep": "move rule", "modify": "modify conditions of rule and move it"}[self.action]
            verb += f" from priority {self.moved_from} ({band_at(self.moved_from).name} band) to"
        text = f"{verb} priority {self.priority}" if self.moved_from is not None else f"{verb} at priority {self.priority}"
        text += f" on {self.load_balancer}"
        return text + (f", attach certificate {self.certificate}" if self.certificate else "")


def wanted_rule(config: Config, target_group_arn: str | None = None) -> WantedRule:
    r = config.routing
    return WantedRule(config.customer, config.environment, tuple(r.hosts), tuple(r.paths), target_group_arn,
                      r.certificate_arn)


def start_priority(customer: str, environment: str, band: Band = BANDS[0]) -> int:
    digest = hashlib.sha256(f"{customer}/{environment}".encode()).digest()
    return band.low + int.from_bytes(digest[:8], "big") % (band.high - band.low + 1)


def free_priority(taken: Collection[int], start: int, band: Band = Band("all", MIN_PRIORITY, MAX_PRIORITY)) -> int | None:
    """The first priority >= start in `band` not in `taken`, wrapping inside the band; None when all are."""
    span = band.high - band.low + 1
    for step in range(span):
        candidate = band.low + (start - band.low + step) % span
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
    band = band_of(wanted.hosts, wanted.paths)
    own = [(lb, rule) for lb in load_balancers for rule in lb.rules if rule.owner == me]
    if len(own) > 1:
        where = ", ".join(f"priority {rule.priority} on {lb.name} ({rule.rule_arn})" for lb, rule in own)
        raise PriorityPlanError(f"customer {me[0]} environment {me[1]} has {len(own)} vend listener rules: {where}; "
                                "delete all but one of them, then apply again")
    if own:
        lb, rule = own[0]
        priority, moved_from = rule.priority, None
        if rule.priority not in band:
            priority = _free(lb, rule.listener_arn, band, me, avoid, exclude=rule.rule_arn)
            if priority is None:
                raise PriorityPlanError(f"no free priority in the {band.name} band ({band.low}..{band.high}) of "
                                        f"{lb.name} to move the rule of customer {me[0]} environment {me[1]} to; "
                                        f"{FIX_FULL}")
            moved_from = rule.priority
        _refuse_conflicts(wanted, priority, lb, rule.listener_arn, rule.rule_arn, was=rule.priority)
        same = (sorted(h.lower() for h in rule.hosts) == sorted(h.lower() for h in wanted.hosts)
                and sorted(rule.paths) == sorted(wanted.paths)
                and (wanted.target_group_arn is None or rule.target_group_arns == (wanted.target_group_arn,)))
        certificate = _to_attach(wanted, lb, room_needed=True)
        return RulePlan("keep" if same else "modify", lb.name, rule.listener_arn, priority, rule.rule_arn,
                        moved_from, certificate)
    for lb in load_balancers:
        if len(lb.rules) >= RULES_PER_LOAD_BALANCER or _to_attach(wanted, lb, room_needed=False) is False:
            continue
        priority = _free(lb, lb.https_listener_arn, band, me, avoid)
        if priority is not None:
            _refuse_conflicts(wanted, priority, lb, lb.https_listener_arn, None)
            return RulePlan("create", lb.name, lb.https_listener_arn, priority,
                            certificate=_to_attach(wanted, lb, room_needed=True))
    full = ", ".join(_fullness(lb, wanted) for lb in load_balancers)
    raise PriorityPlanError(f"no room for the listener rule of customer {me[0]} environment {me[1]}: {full}; "
                            f"{FIX_FULL}")


def _free(lb: SharedLoadBalancer, listener_arn: str, band: Band, me: tuple[str, str],
          avoid: Collection[tuple[str, int]], exclude: str | None = None) -> int | None:
    taken = {r.priority for r in lb.rules if r.listener_arn == listener_arn and r.rule_arn != exclude}
    taken |= {p for arn, p in avoid if arn == listener_arn}
    return free_priority(taken, start_priority(*me, band), band)


def _to_attach(wanted: WantedRule, lb: SharedLoadBalancer, *, room_needed: bool):
    """The certificate to attach on `lb` (None: none, or attached already). Without room: False, or
    with `room_needed` a `PriorityPlanError` (an existing rule does not move to another ALB)."""
    if wanted.certificate_arn is None or wanted.certificate_arn in lb.certificates:
        return None
    if len(lb.certificates) < CERTIFICATES_PER_LISTENER:
        return wanted.certificate_arn
    if not room_needed:
        return False
    raise PriorityPlanError(f"the HTTPS listener of {lb.name} has {len(lb.certificates)} of "
                            f"{CERTIFICATES_PER_LISTENER} certificates besides its default, no room for "
                            f"{wanted.certificate_arn} of customer {wanted.customer} environment {wanted.environment}; "
                            f"destroy the environment and apply it again with another load balancer first in "
                            "routing/shared_load_balancers")


def _fullness(lb: SharedLoadBalancer, wanted: WantedRule) -> str:
    text = f"{lb.name} has {len(lb.rules)} of {RULES_PER_LOAD_BALANCER} rules"
    if wanted.certificate_arn is not None and len(lb.certificates) >= CERTIFICATES_PER_LISTENER:
        text += f" and {len(lb.certificates)} of {CERTIFICATES_PER_LISTENER} certificates"
    return text


def _refuse_conflicts(wanted: WantedRule, priority: int, lb: SharedLoadBalancer, listener_arn: str,
                      own_arn: str | None, was: int | None = None) -> None:
    """`was`: the priority the existing rule has now. Moving it may leave a wrong order as it was
    (the other rule's apply moves that one), never make one: two rules each in the wrong band must
    not wait for each other."""
    mine = band_of(wanted.hosts, wanted.paths)
    for rule in sorted(lb.rules, key=lambda r: r.priority):
        if rule.listener_arn != listener_arn or rule.rule_arn == own_arn or not overlaps(wanted, rule):
            continue
        theirs = band_of(rule.hosts, rule.paths)
        owner = rule.owner
        whose = (f"the rule of customer {owner[0]} environment {owner[1]}" if owner
                 else f"a rule vend does not manage ({rule.rule_arn})")
        if mine is theirs or {mine.name, theirs.name} == {"host+path", "host-only"}:
            raise PriorityPlanError(f"routing: {_conditions(wanted.hosts, wanted.paths)} overlap {whose} "
                                    f"({_conditions(rule.hosts, rule.paths)}) at priority {rule.priority} on "
                                    f"{lb.name}; change routing/hosts or routing/paths so no request matches both rules")
        def host_first(mine_at: int) -> bool:
            return mine_at < rule.priority if wanted.hosts else rule.priority < mine_at

        if host_first(priority) or (was is not None and not host_first(was)):
            continue
        fix = (f"apply customer {owner[0]} environment {owner[1]} first, which moves its rule into the "
               f"{theirs.name} band ({theirs.low}..{theirs.high})" if owner else
               f"move that rule into the {theirs.name} band ({theirs.low}..{theirs.high})")
        raise PriorityPlanError(f"routing: {_conditions(wanted.hosts, wanted.paths)} at priority {priority} and "
                                f"{whose} ({_conditions(rule.hosts, rule.paths)}) at priority {rule.priority} on "
                                f"{lb.name} match the same requests and the path-only rule would come first, "
                                f"taking the host's requests; {fix}")


def overlaps(wanted: WantedRule, rule: ObservedRule) -> bool:
    """Whether one request can match both rules."""
    hosts = not wanted.hosts or not rule.hosts or _common(wanted.hosts, rule.hosts, fold=True)
    return hosts and (not wanted.paths or not rule.paths or _common(wanted.paths, rule.paths, fold=False))


def _common(ours: Iterable[str], theirs: Iterable[str], *, fold: bool) -> bool:
    return any(pattern_matches(a, b, fold=fold) or pattern_matches(b, a, fold=fold) for a in ours for b in theirs)


def _conditions(hosts: Sequence[str], paths: Sequence[str]) -> str:
    parts = [f"hosts {', '.join(hosts)}" if hosts else "", f"paths {', '.join(paths)}" if paths else ""]
    return " with ".join(p for p in parts if p) or "no conditions"
