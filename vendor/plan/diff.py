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
from vendor.plan.resources import Observed, Resource, is_resolved, resolve, shown

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
    for resource in reversed(wanted):
        found = observed.get(resource.key)
        if found is None:
            continue
        out.append(Step("keep", resource, id=found.id, note="shared") if resource.shared
                   else Step("delete", resource, id=found.id))
    return out


def counts(steps: Sequence[Step]) -> dict[str, int]:
    out = {"create": 0, "update": 0, "delete": 0, "keep": 0, "blocked": 0}
    for s in steps:
        out[s.action] += 1
    return out
