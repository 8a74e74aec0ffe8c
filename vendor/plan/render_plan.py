"""A stack plan as text for people and as JSON for machines. Pure."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from vendor.plan.diff import Step, counts

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "keep": "=", "blocked": "!"}
# settings a create shows too: where a shared ALB's rule goes, and the certificate it attaches (SNI)
SHOWN_ON_CREATE = ("band", "certificate")


def _value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "null" if value is None else str(value)


def summary(steps: Sequence[Step]) -> str:
    n = counts(steps)
    text = f"{n['create']} to create, {n['update']} to update, {n['delete']} to delete, {n['keep']} unchanged"
    return text + (f", {n['blocked']} blocked" if n["blocked"] else "")


def kept_for_a_reason(s: Step) -> bool:
    """A resource that stays where it would be deleted (a VPC a shared load balancer stands in)."""
    return s.action == "keep" and s.note.startswith("kept:")


def text(steps: Sequence[Step], *, title: str, show_unchanged: bool = False) -> str:
    lines = [title]
    for s in steps:
        if s.action == "keep" and not show_unchanged and not kept_for_a_reason(s):
            continue
        where = f" ({s.id})" if s.id else ""
        lines.append(f"  {SYMBOLS[s.action]} {s.action} {s.key}{where}")
        if s.action in ("update", "blocked"):
            lines += [f"      {c.field}: {_value(c.old)} -> {_value(c.new)}" for c in s.changes]
        elif s.action == "create" and s.resource.kind == "listener rule":
            lines += [f"      {c.field}: {_value(c.new)}" for c in s.changes
                      if c.field in SHOWN_ON_CREATE and c.new is not None]
        if s.note and (s.action != "keep" or kept_for_a_reason(s)):
            lines.append(f"      {s.note}")
    lines.append(f"Plan: {summary(steps)}.")
    return "\n".join(lines) + "\n"


def as_json(steps: Sequence[Step], *, environment: str, region: str) -> str:
    data = {
        "environment": environment,
        "region": region,
        "summary": counts(steps),
        "steps": [{"action": s.action, "kind": s.resource.kind, "name": s.resource.name, "id": s.id,
                   "changes": [{"field": c.field, "from": c.old, "to": c.new} for c in s.changes],
                   **({"note": s.note} if s.note else {})} for s in steps],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
