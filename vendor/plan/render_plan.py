"""A stack plan as text for people and as JSON for machines. Pure."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from vendor.plan.diff import Step, counts

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "keep": "=", "blocked": "!"}


def _value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "null" if value is None else str(value)


def summary(steps: Sequence[Step]) -> str:
    n = counts(steps)
    text = f"{n['create']} to create, {n['update']} to update, {n['delete']} to delete, {n['keep']} unchanged"
    return text + (f", {n['blocked']} blocked" if n["blocked"] else "")


def text(steps: Sequence[Step], *, title: str, show_unchanged: bool = False) -> str:
    lines = [title]
    for s in steps:
        if s.action == "keep" and not show_unchanged:
            continue
        where = f" ({s.id})" if s.id else ""
        lines.append(f"  {SYMBOLS[s.action]} {s.action} {s.key}{where}")
        if s.action in ("update", "blocked"):
            lines += [f"      {c.field}: {_value(c.old)} -> {_value(c.new)}" for c in s.changes]
        if s.note and s.action != "keep":
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
