"""`vend doctor`'s findings and how they are shown. Pure.

Each check answers `ok` (with what it found), `fail` (what is wrong and the fix) or `skip` (why it
does not apply to this config).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MARKS = {"ok": "ok  ", "fail": "FAIL", "skip": "--  "}


@dataclass(frozen=True)
class Finding:
    check: str
    status: str  # ok | fail | skip
    detail: str
    fix: str = ""


def ok(check: str, detail: str) -> Finding:
    return Finding(check, "ok", detail)


def fail(check: str, detail: str, fix: str) -> Finding:
    return Finding(check, "fail", detail, fix)


def skip(check: str, detail: str) -> Finding:
    return Finding(check, "skip", detail)


def text(title: str, findings: Sequence[Finding]) -> str:
    width = max((len(f.check) for f in findings), default=0)
    lines = [title]
    for f in findings:
        lines.append(f"  {MARKS[f.status]}  {f.check:<{width}}  {f.detail}")
        if f.fix:
            lines.append(f"        {'':<{width}}  fix: {f.fix}")
    return "\n".join(lines) + "\n"


def summary(findings: Sequence[Finding]) -> str:
    failed = sum(f.status == "fail" for f in findings)
    passed = sum(f.status == "ok" for f in findings)
    return f"{passed} ok, {failed} to fix" + ("" if failed else ": ready to bake and apply")
