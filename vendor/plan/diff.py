"""Wanted resources + what AWS has -> the steps of a plan, per resource. Pure.

Actions: `create` (missing), `update` (settings differ, `changes` says which), `delete` (exists
but no longer wanted, or `destroy`), `keep` (as wanted) and `blocked` (a setting AWS cannot
change in place differs; apply refuses and says how to proceed).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vendor.config.engine_versions import satisfies
from vendor.plan.resources import LEAVES, Observed, Resource, is_resolved, resolve, shown

MUTATING_ACTIONS = ("create", "update", "delete")


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Step:
    action: str
    resource: Resource
    changes: tuple[Change, ...] = ()
    id: str | None = None  # the id of the resource in AWS, when it exists
    note: str = ""

    @property
    def key(self) -> str:
        return self.resource.key


def normal(value: Any) -> Any:
    """Tuples and lists compare equal; mappings compare by content."""
    if isinstance(value, LEAVES):
        return value
    if isinstance(value, Mapping):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normal(v) for v in value]
    return value


def _sorted(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and is_resolved(value):
        return sorted(value, key=repr)
    return value


def changes(resource: Resource, props: Mapping[str, Any], observed: Observed) -> tuple[Change, ...]:
    out = []
    for key, want in props.items():
        if key in resource.create_only:
            continue
        have = observed.props.get(key)
        if key in resource.versions and satisfies(props.get("engine", ""), want, have):
            continue
        if key in resource.unordered:
            want, have = _sorted(want), _sorted(have)
        if not is_resolved(want) or normal(want) != normal(have):
            out.append(Change(key, shown(have), shown(want)))
    return tuple(out)


def step(resource: Resource, observed: Observed | None, known: Mapping[str, Observed]) -> Step | None:
    """The step for one resource; None for an unwanted resource that does not exist."""
    if not resource.present:
        return Step("delete", resource, id=observed.id) if observed and not resource.shared else None
    if observed is None:
        props = resolve(dict(resource.props), known)
        return Step("create", resource, tuple(Change(k, None, shown(v)) for k, v in props.items()))
    found = changes(resource, resolve(dict(resource.props), known), observed)
    if resource.shared:
        elsewhere = _in_another_vpc(resource, observed, known)
        if elsewhere is not None:
            return elsewhere
        kept = tuple(c for c in found if c.field in resource.current)
        if not kept:
            return Step("keep", resource, id=observed.id, note="shared")
        return Step("update", resource, kept, observed.id, note="shared")
    if not found:
        return Step("keep", resource, id=observed.id)
    fixed = [c.field for c in found if c.field in resource.immutable]
    if fixed:
        note = (f"{', '.join(fixed)} cannot change in place; destroy this environment and apply again, "
                "or change the config back")
        return Step("blocked", resource, found, observed.id, note)
    return Step("update", resource, found, observed.id)


def _in_another_vpc(resource: Resource, observed: Observed, known: Mapping[str, Observed]) -> Step | None:
    """A shared resource in another VPC than this environment's cannot serve it (AWS refuses
    forwarding to a target group, or a security group reference, across VPCs): blocked, with the fix."""
    wanted = resolve(dict(resource.props), known)
    have = observed.props.get("vpc")
    if "vpc" in wanted and have is not None and wanted["vpc"] != have:
        want = wanted["vpc"] if is_resolved(wanted["vpc"]) else "a VPC this apply creates"
        note = (f"shared {resource.key} is in {have}, this environment's VPC is {want}: a shared load balancer "
                "serves one VPC; in routing/shared_load_balancers list a shared load balancer of this VPC "
                "(a new name is created there, e.g. vend-shared-2)")
        return Step("blocked", resource, (Change("vpc", have, shown(wanted["vpc"])),), observed.id, note)
    return None


def plan_apply(wanted: Sequence[Resource], observed: Mapping[str, Observed | None]) -> list[Step]:
    """Creates, updates and keeps in dependency order, then deletes of unwanted resources in reverse.

    An attribute an update renews (a launch template's version) is not known until apply, so what
    refers to it shows `(known after apply)` and is planned as updated too."""
    known = {k: v for k, v in observed.items() if v is not None}
    forward = []
    for r in (r for r in wanted if r.present):
        forward.append(step(r, observed.get(r.key), known))
        if forward[-1].action == "update" and r.renewed:
            found = known[r.key]
            attrs = {k: v for k, v in found.attrs.items() if k not in r.renewed}
            known[r.key] = Observed(found.id, found.props, attrs)
    removed = [step(r, observed.get(r.key), known) for r in reversed(wanted) if not r.present]
    return [s for s in forward + removed if s is not None]


def plan_destroy(wanted: Sequence[Resource], observed: Mapping[str, Observed | None]) -> list[Step]:
    """Deletes of every existing resource of the stack in reverse dependency order; shared ones stay."""
    out = []
    holding = _holding_vpcs(wanted, observed)
    for resource in reversed(wanted):
        found = observed.get(resource.key)
        if found is None:
            continue
        held = _held(resource, found, holding)
        if resource.shared:
            out.append(Step("keep", resource, id=found.id, note="shared"))
        elif held:
            out.append(Step("keep", resource, id=found.id, note=held))
        else:
            out.append(Step("delete", resource, id=found.id))
    return out


def _holding_vpcs(wanted: Sequence[Resource], observed: Mapping[str, Observed | None]) -> dict[str, list]:
    """VPC id -> the shared load balancers (resource name, observed) in it."""
    out: dict[str, list] = {}
    for r in wanted:
        found = observed.get(r.key)
        if r.shared and r.kind == "load balancer" and found is not None and found.props.get("vpc"):
            out.setdefault(found.props["vpc"], []).append((r.name, found))
    return out


def _held(resource: Resource, found: Observed, holding: Mapping[str, list]) -> str:
    """Why a network resource of the environment stays: a shared load balancer still stands in it
    (deleting it would wait for AWS's DependencyViolation to clear, which it never does)."""
    vpc = found.id if resource.kind == "vpc" else found.props.get("vpc")
    lbs = holding.get(vpc or "", [])
    if not lbs or resource.kind not in ("vpc", "internet gateway", "subnet", "route table"):
        return ""
    in_use = {s for _, lb in lbs for s in lb.props.get("subnets", [])}
    if resource.kind == "subnet" and found.id not in in_use:
        return ""
    if resource.kind == "route table" and not set(found.props.get("subnets", [])) & in_use:
        return ""
    names = ", ".join(name for name, _ in lbs)
    return (f"kept: shared load balancer {names} (other customers' rules) stands in {vpc}; "
            "the VPC can go once no customer uses it: delete the shared load balancer, then destroy again")


def counts(steps: Sequence[Step]) -> dict[str, int]:
    out = {"create": 0, "update": 0, "delete": 0, "keep": 0, "blocked": 0}
    for s in steps:
        out[s.action] += 1
    return out
