"""A customer environment's rule on the shared ALBs' HTTPS listeners: read, plan, create or modify.

The shared load balancers and their HTTPS:443 listeners are not created here; a missing one is a
`ListenerRulesError` naming it. The decision (which load balancer, which priority, keep or modify)
is `vendor.plan.priority.plan_rule`; this module reads what it needs and carries it out:

- a rule is created with its tags in the same `create_rule` call, so it never exists untagged;
- `PriorityInUse` (another apply took the priority between our read and our create) makes it
  re-read the load balancers and plan again, with a jittered exponential backoff, at most
  `max_attempts` creates;
- an existing rule is modified in place (conditions and forward action), its priority untouched,
  unless it sits in the wrong specificity band: then SetRulePriorities moves it into its band
  (`_carry_out` says in which order);
- a rule with a certificate (SNI) attaches it to the HTTPS listener (AddListenerCertificates) and
  names it in its `Certificate` tag, so destroying the environment removes it from the listener
  when no other rule there names it.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from botocore.exceptions import ClientError

from vendor.aws.context import each_time
from vendor.config.names import ownership_tags
from vendor.plan.priority import (
    RULES_PER_LOAD_BALANCER,
    ObservedRule,
    RulePlan,
    SharedLoadBalancer,
    WantedRule,
    band_at,
    plan_rule,
)

TAGS_PER_CALL = 20  # describe_tags takes at most 20 resource ARNs
RULES_PER_PAGE = 400  # describe_rules' largest page: all of a listener's rules (100 + default) in one call
HTTPS_PORT = 443
CERTIFICATE_TAG = "Certificate"
MAX_BACKOFF = 5.0


class ListenerRulesError(RuntimeError):
    pass


@dataclass(frozen=True)
class RuleResult:
    action: str  # "created" | "modified" | "moved" | "unchanged"
    load_balancer: str
    listener_arn: str
    rule_arn: str
    priority: int
    mutating_calls: int  # create/modify/move/certificate calls made, refused ones included
    conflicts: tuple[int, ...] = ()  # priorities refused with PriorityInUse, in order
    moved_from: int | None = None  # the priority it had in the wrong band
    certificate: str | None = None  # the certificate attached to the listener by this call

    def describe(self) -> str:
        text = f"{self.action} rule at priority {self.priority} on {self.load_balancer}"
        if self.moved_from is not None:
            text += f" (moved from priority {self.moved_from} in the {band_at(self.moved_from).name} band)"
        if self.certificate:
            text += f", certificate {self.certificate} attached"
        if len(self.conflicts) == 1:
            text += f" (priority {self.conflicts[0]} was taken by a concurrent apply)"
        elif self.conflicts:
            text += f" (priorities {', '.join(map(str, self.conflicts))} were taken by concurrent applies)"
        return text


def rule_tags(wanted: WantedRule, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    tags = dict(extra or {})
    tags.update(ownership_tags(wanted.customer, wanted.environment))
    if wanted.certificate_arn:
        tags[CERTIFICATE_TAG] = wanted.certificate_arn
    return tags


def conditions(wanted: WantedRule) -> list[dict]:
    out = []
    if wanted.hosts:
        out.append({"Field": "host-header", "HostHeaderConfig": {"Values": list(wanted.hosts)}})
    if wanted.paths:
        out.append({"Field": "path-pattern", "PathPatternConfig": {"Values": list(wanted.paths)}})
    return out


def forward(target_group_arn: str) -> list[dict]:
    return [{"Type": "forward", "TargetGroupArn": target_group_arn}]


def find_https_listeners(elbv2, names: Sequence[str]) -> list[tuple[str, str]]:
    """(load balancer ARN, HTTPS:443 listener ARN) of each named load balancer, in order."""
    return [_shared(elbv2, name)[:2] for name in names]


def read_rules(elbv2, listener_arns: Iterable[str]) -> list[ObservedRule]:
    """The non-default rules of the listeners, with their tags."""
    return _with_tags(elbv2, _rules_of(elbv2, listener_arns))


def _with_tags(elbv2, raw: list[tuple[dict, str]], tagged: bool = True) -> list[ObservedRule]:
    tags = _tags(elbv2, [rule["RuleArn"] for rule, _ in raw]) if tagged else {}
    return [_observed(rule, listener_arn, tags.get(rule["RuleArn"], ())) for rule, listener_arn in raw]


def attached_load_balancers(elbv2, target_group_arn: str) -> set[str]:
    """ARNs of the load balancers whose rules forward to the target group (none for a new one)."""
    try:
        found = elbv2.describe_target_groups(TargetGroupArns=[target_group_arn])["TargetGroups"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "TargetGroupNotFound":
            raise
        return set()
    return {arn for tg in found for arn in tg.get("LoadBalancerArns", [])}


def read_shared(elbv2, names: Sequence[str], *, attached: Collection[str] | None = None,
                once=each_time) -> tuple[SharedLoadBalancer, ...]:
    """Each named load balancer with the rules of ALL its listeners (the quota is per load balancer).

    `attached`: the ARNs of the load balancers the environment's target group is attached to
    (`attached_load_balancers`). Given, the rules of a FULL load balancer not among them are read
    without their tags: a new rule cannot go there, and the environment's rule forwards to its
    target group, so it is not there either (unless someone pointed it elsewhere by hand). So an
    apply does not cost more with every customer already on the shared load balancers (tags are
    one call per 20 rules).

    `once(key, make)` (AwsContext.once): a read-only run's many environments read each shared
    load balancer's rules once between them."""
    out = []
    for name in names:
        lb_arn, https_arn, raw = once(("elbv2", "rules", name), lambda: _listeners_rules(elbv2, name))
        tagged = attached is None or lb_arn in attached or len(raw) < RULES_PER_LOAD_BALANCER
        out.append(once(("elbv2", "shared", name, tagged), lambda: SharedLoadBalancer(
            name, https_arn, tuple(_with_tags(elbv2, raw, tagged)), listener_certificates(elbv2, https_arn))))
    return tuple(out)


def _listeners_rules(elbv2, name: str) -> tuple[str, str, list[tuple[dict, str]]]:
    """(load balancer ARN, HTTPS listener ARN, the rules of all its listeners)."""
    lb_arn, https_arn, listener_arns = _shared(elbv2, name)
    return lb_arn, https_arn, _rules_of(elbv2, listener_arns)


def listener_certificates(elbv2, listener_arn: str) -> tuple[str, ...]:
    """The listener's certificates besides its default one (SNI)."""
    out, marker = [], None
    while True:
        page = elbv2.describe_listener_certificates(ListenerArn=listener_arn, **({"Marker": marker} if marker else {}))
        out += [c["CertificateArn"] for c in page.get("Certificates", []) if not c.get("IsDefault")]
        marker = page.get("NextMarker")
        if not marker:
            return tuple(dict.fromkeys(out))


def release_certificate(elbv2, load_balancer: str, certificate: str, *, leaving_rule: str) -> bool:
    """Remove `certificate` from the load balancer's HTTPS listener unless another rule there still
    names it in its Certificate tag. True when removed."""
    (shared,) = read_shared(elbv2, [load_balancer])
    if certificate not in shared.certificates:
        return False
    if any(r.tag(CERTIFICATE_TAG) == certificate and r.rule_arn != leaving_rule for r in shared.rules):
        return False
    elbv2.remove_listener_certificates(ListenerArn=shared.https_listener_arn,
                                       Certificates=[{"CertificateArn": certificate}])
    return True


def ensure_rule(elbv2, wanted: WantedRule, load_balancers: Sequence[str], *,
                tags: Mapping[str, str] | None = None, max_attempts: int = 6, backoff: float = 0.2,
                sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> RuleResult:
    """Create, modify or leave the rule of `wanted` on the shared load balancers.

    Raises `PriorityPlanError` (full, overlap, duplicates) or `ListenerRulesError` (a load balancer
    or listener missing, or `max_attempts` creates refused with PriorityInUse)."""
    if wanted.target_group_arn is None or max_attempts < 1:
        raise ValueError("ensure_rule needs wanted.target_group_arn and max_attempts >= 1")
    rng = rng or random.Random()
    calls, conflicts, avoid = 0, [], set()
    plan: RulePlan | None = None
    for attempt in range(1, max_attempts + 1):
        attached = attached_load_balancers(elbv2, wanted.target_group_arn)
        plan = plan_rule(wanted, read_shared(elbv2, load_balancers, attached=attached), avoid=avoid)
        if plan.certificate:
            elbv2.add_listener_certificates(ListenerArn=plan.listener_arn,
                                            Certificates=[{"CertificateArn": plan.certificate}])
            calls += 1
        try:
            if plan.action == "create":
                calls += 1
                created = elbv2.create_rule(
                    ListenerArn=plan.listener_arn, Priority=plan.priority, Conditions=conditions(wanted),
                    Actions=forward(wanted.target_group_arn),
                    Tags=[{"Key": k, "Value": v} for k, v in rule_tags(wanted, tags).items()])
                return _result("created", plan, created["Rules"][0]["RuleArn"], calls, conflicts)
            calls += _carry_out(elbv2, plan, wanted)
        except ClientError as error:
            if error.response["Error"]["Code"] != "PriorityInUse":
                raise
            conflicts.append(plan.priority)
            avoid.add((plan.listener_arn, plan.priority))
            if attempt < max_attempts:
                sleep(min(MAX_BACKOFF, backoff * 2 ** (attempt - 1)) * rng.uniform(0.5, 1.5))
            continue
        action = "modified" if plan.action == "modify" else "moved" if plan.moved_from is not None else "unchanged"
        return _result(action, plan, plan.rule_arn, calls, conflicts)
    raise ListenerRulesError(
        f"could not create the listener rule of customer {wanted.customer} environment {wanted.environment} "
        f"on {plan.load_balancer}: priorities {', '.join(map(str, conflicts))} were taken by concurrent applies "
        f"({len(conflicts)} times PriorityInUse); run apply again")


def _carry_out(elbv2, plan: RulePlan, wanted: WantedRule) -> int:
    """Modify and/or move an existing rule; the number of mutating calls. A rule moving to a more
    specific band is narrowed first, one moving to a less specific band is moved first: in between,
    it never sits ahead of rules more specific than itself."""
    calls = 0
    earlier = plan.moved_from is not None and plan.priority < plan.moved_from
    if plan.action == "modify" and (plan.moved_from is None or earlier):
        calls += _modify(elbv2, plan, wanted)
    if plan.moved_from is not None:
        elbv2.set_rule_priorities(RulePriorities=[{"RuleArn": plan.rule_arn, "Priority": plan.priority}])
        calls += 1
    if plan.action == "modify" and plan.moved_from is not None and not earlier:
        calls += _modify(elbv2, plan, wanted)
    if plan.certificate:
        elbv2.add_tags(ResourceArns=[plan.rule_arn], Tags=[{"Key": CERTIFICATE_TAG, "Value": plan.certificate}])
        calls += 1
    return calls


def _modify(elbv2, plan: RulePlan, wanted: WantedRule) -> int:
    elbv2.modify_rule(RuleArn=plan.rule_arn, Conditions=conditions(wanted), Actions=forward(wanted.target_group_arn))
    return 1


def _result(action: str, plan: RulePlan, rule_arn: str, calls: int, conflicts: list[int]) -> RuleResult:
    return RuleResult(action, plan.load_balancer, plan.listener_arn, rule_arn, plan.priority, calls,
                      tuple(conflicts), plan.moved_from, plan.certificate)


def _shared(elbv2, name: str) -> tuple[str, str, list[str]]:
    """(load balancer ARN, HTTPS:443 listener ARN, all listener ARNs) of a named load balancer."""
    try:
        lb_arn = elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]["LoadBalancerArn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "LoadBalancerNotFound":
            raise
        raise ListenerRulesError(
            f"shared load balancer {name} (routing/shared_load_balancers) does not exist in "
            f"{elbv2.meta.region_name}; create it with an HTTPS listener on port {HTTPS_PORT}, or remove it "
            "from routing/shared_load_balancers") from None
    found = listeners(elbv2, lb_arn)
    https = [l["ListenerArn"] for l in found if is_https(l)]
    if not https:
        raise ListenerRulesError(
            f"shared load balancer {name} has no HTTPS listener on port {HTTPS_PORT}; add one with a "
            "certificate, or remove it from routing/shared_load_balancers")
    return lb_arn, https[0], [l["ListenerArn"] for l in found]


def is_https(listener: dict) -> bool:
    return listener["Protocol"] == "HTTPS" and listener["Port"] == HTTPS_PORT


def listeners(elbv2, lb_arn: str) -> list[dict]:
    pages = elbv2.get_paginator("describe_listeners").paginate(LoadBalancerArn=lb_arn)
    return [listener for page in pages for listener in page["Listeners"]]


def _rules(elbv2, listener_arn: str) -> list[tuple[dict, str]]:
    pages = elbv2.get_paginator("describe_rules").paginate(ListenerArn=listener_arn,
                                                           PaginationConfig={"PageSize": RULES_PER_PAGE})
    return [(rule, listener_arn) for page in pages for rule in page["Rules"] if not rule.get("IsDefault")]


def _rules_of(elbv2, listener_arns: Iterable[str]) -> list[tuple[dict, str]]:
    return [rule for arn in listener_arns for rule in _rules(elbv2, arn)]


def _tags(elbv2, arns: list[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    out = {}
    for i in range(0, len(arns), TAGS_PER_CALL):
        for d in elbv2.describe_tags(ResourceArns=arns[i:i + TAGS_PER_CALL])["TagDescriptions"]:
            out[d["ResourceArn"]] = tuple(sorted((t["Key"], t.get("Value", "")) for t in d.get("Tags", [])))
    return out


def _observed(rule: dict, listener_arn: str, tags: tuple[tuple[str, str], ...]) -> ObservedRule:
    values = {"host-header": [], "path-pattern": []}
    for condition in rule.get("Conditions", []):
        field = condition.get("Field")
        if field in values:
            config = condition.get("HostHeaderConfig" if field == "host-header" else "PathPatternConfig", {})
            values[field].extend(config.get("Values") or condition.get("Values") or [])
    target_groups = []
    for action in rule.get("Actions", []):
        if action.get("Type") == "forward":
            if action.get("TargetGroupArn"):
                target_groups.append(action["TargetGroupArn"])
            else:
                forward_config = action.get("ForwardConfig", {})
                target_groups.extend(t["TargetGroupArn"] for t in forward_config.get("TargetGroups", []))
    return ObservedRule(listener_arn, rule["RuleArn"], int(rule["Priority"]), _unique(values["host-header"]),
                        _unique(values["path-pattern"]), tags, _unique(target_groups))


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
