"""One report for many environments' plans: ok / drifted (what) / missing / error. Pure.

- ok: every resource is as its config wants;
- missing: none of the environment's own resources exists (shared load balancers may);
- drifted: anything else the plan would change, listed as `create KEY`, `update KEY (fields)`,
  `delete KEY`, `blocked KEY (fields)`;
- error: the environment could not be planned; the message says why.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from vendor.plan.diff import Step

STATES = ("ok", "drifted", "missing", "error")


@dataclass(frozen=True)
class Row:
    config: str
    environment: str | None
    region: str | None
    state: str
    drift: tuple[str, ...] = ()
    error: str | None = None


def _what(s: Step) -> str:
    fields = f" ({', '.join(c.field for c in s.changes)})" if s.action in ("update", "blocked") else ""
    return f"{s.action} {s.key}{fields}"


def classify(steps: Sequence[Step]) -> tuple[str, tuple[str, ...]]:
    changed = [s for s in steps if s.action != "keep"]
    if not changed:
        return "ok", ()
    own = [s for s in steps if not s.resource.shared]
    if own and all(s.action == "create" for s in own):
        return "missing", ()
    return "drifted", tuple(_what(s) for s in changed)


def row(config: str, environment: str | None, region: str | None, steps: Sequence[Step],
        error: str | None = None) -> Row:
    if error is not None:
        return Row(config, environment, region, "error", error=error)
    state, drift = classify(steps)
    return Row(config, environment, region, state, drift)


def counts(rows: Sequence[Row]) -> dict[str, int]:
    return {state: sum(r.state == state for r in rows) for state in STATES}


def text(rows: Sequence[Row], *, title: str) -> str:
    """A table: environment, region, state, and what (the drift, or the error)."""
    shown = [(r.environment or r.config, r.region or "-", r.state,
              "; ".join(r.drift) if r.drift else (r.error or "")) for r in rows]
    head = ("ENVIRONMENT", "REGION", "STATE", "WHAT")
    widths = [max(len(head[i]), *(len(s[i]) for s in shown)) for i in range(3)]
    lines = [title, "  " + "  ".join(h.ljust(w) for h, w in zip(head, widths)) + "  " + head[3]]
    lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(s, widths)) + ("  " + s[3] if s[3] else "")
              for s in shown]
    lines = [line.rstrip() for line in lines]
    n = counts(rows)
    lines.append(f"Fleet: {len(rows)} environments: " + ", ".join(f"{n[s]} {s}" for s in STATES) + ".")
    return "\n".join(lines) + "\n"


def as_json(rows: Sequence[Row], *, calls: dict | None = None) -> str:
    data = {"summary": counts(rows),
            "environments": [{"config": r.config, "environment": r.environment, "region": r.region,
                              "state": r.state, "drift": list(r.drift),
                              **({"error": r.error} if r.error is not None else {})} for r in rows]}
    if calls is not None:
        data["aws_calls"] = calls
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
