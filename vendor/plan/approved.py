"""An approved plan, and whether AWS still allows carrying out exactly that plan. Pure.

What an approver approves are the plan's changes: per resource the action, the AWS id and each
setting's old -> new value. Unchanged resources are not part of it.

- `differences(approved, fresh)`: a plan made again after the decision (AWS read again) must have
  exactly the approved changes; each difference is one line for people. Any difference means AWS
  changed in between, and the approved plan no longer says what apply would do.
- `uncovered(approved, step)`: during apply, each create, update and delete (as read just before it
  is made) must be one the approved plan covers. A value the plan showed as `(known after apply)`
  (the id of a resource created earlier in the same apply) matches whatever it turned out to be.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from vendor.plan.diff import MUTATING_ACTIONS, Step, normal
from vendor.plan.resources import UNKNOWN

Record = tuple[str, str | None, dict[str, tuple[Any, Any]]]  # (action, id, field -> (old, new))


def changes_of(steps: Sequence[Step]) -> dict[str, Record]:
    """Resource key -> what the plan does to it, for every step that is not `keep`."""
    return {s.key: (s.action, s.id, {c.field: (normal(c.old), normal(c.new)) for c in s.changes})
            for s in steps if s.action != "keep"}


def fingerprint(steps: Sequence[Step]) -> str:
    """A short id of the plan's changes: equal plans have equal fingerprints."""
    data = json.dumps(sorted(changes_of(steps).items()), sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()[:12]


def is_empty(steps: Sequence[Step]) -> bool:
    return not any(s.action in MUTATING_ACTIONS for s in steps)


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else str(value)


def _what(record: Record) -> str:
    action, _, fields = record
    if action in ("update", "blocked") and fields:
        return f"{action} " + ", ".join(f"{f} {_value(old)} -> {_value(new)}" for f, (old, new) in fields.items())
    return action


def canonical(steps: Sequence[Step]) -> dict:
    """The plan's changes as plain JSON data (what a plan artifact keeps): equal plans are equal."""
    return json.loads(json.dumps(changes_of(steps), sort_keys=True, default=str))


def differences(approved: Sequence[Step], fresh: Sequence[Step]) -> list[str]:
    """Why `fresh` is not the approved plan, one line per resource (empty: it is the same plan)."""
    return differences_of(changes_of(approved), changes_of(fresh))


def differences_of(was: dict, now: dict) -> list[str]:
    """`differences` of two plans' changes (`changes_of`, or `canonical` on both sides)."""
    out = []
    for key in [*was, *(k for k in now if k not in was)]:
        before, after = was.get(key), now.get(key)
        if before == after:
            continue
        if after is None:
            out.append(f"{key}: approved {_what(before)}, now nothing to do (AWS already has it)")
        elif before is None:
            out.append(f"{key}: not in the approved plan, now {_what(after)}")
        elif before[:2] != after[:2]:
            out.append(f"{key}: approved {before[0]} of {before[1] or 'a new resource'}, "
                       f"now {after[0]} of {after[1] or 'a new resource'}")
        else:
            fields = sorted(set(before[2]) | set(after[2]))
            out += [f"{key}: {f} approved {_pair(before[2].get(f))}, now {_pair(after[2].get(f))}"
                    for f in fields if before[2].get(f) != after[2].get(f)]
    return out


def _pair(change: tuple[Any, Any] | None) -> str:
    return "unchanged" if change is None else f"{_value(change[0])} -> {_value(change[1])}"


def uncovered(approved: Sequence[Step], step: Step) -> str | None:
    """Why the approved plan does not cover `step`; None when it does."""
    planned = changes_of(approved).get(step.key)
    if planned is None:
        return f"{step.action} {step.key} is not in the approved plan"
    action, rid, fields = planned
    if (action, rid) != (step.action, step.id):
        return f"{step.key}: approved {action}, about to {step.action}"
    actual = {c.field: (normal(c.old), normal(c.new)) for c in step.changes}
    if set(actual) != set(fields):
        return f"{step.key}: approved changes to {', '.join(sorted(fields)) or 'nothing'}, " \
               f"about to change {', '.join(sorted(actual)) or 'nothing'}"
    for name, (old, new) in fields.items():
        if not (matches(old, actual[name][0]) and matches(new, actual[name][1])):
            return f"{step.key}: {name} approved {_pair((old, new))}, about to {_pair(actual[name])}"
    return None


def matches(approved: Any, actual: Any) -> bool:
    """`actual` is `approved`, where `(known after apply)` in `approved` stands for any value."""
    if approved == UNKNOWN:
        return True
    if isinstance(approved, dict) and isinstance(actual, dict):
        return approved.keys() == actual.keys() and all(matches(v, actual[k]) for k, v in approved.items())
    if isinstance(approved, list) and isinstance(actual, list):
        if len(approved) != len(actual):
            return False
        if all(matches(a, b) for a, b in zip(approved, actual)):
            return True
        if not _has_unknown(approved):
            return False
        left = list(actual)  # unordered settings are sorted only once every value is known
        for item in sorted(approved, key=_has_unknown):  # known items first: they match one way only
            found = next((i for i, candidate in enumerate(left) if matches(item, candidate)), None)
            if found is None:
                return False
            left.pop(found)
        return True
    return approved == actual


def _has_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return value == UNKNOWN
