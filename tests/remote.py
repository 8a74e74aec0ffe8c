"""Helpers for tests that look at processes on a host over SSH."""
from __future__ import annotations


def alive_argv(pid: str) -> list[str]:
    """argv that succeeds while process `pid` runs; a zombie (killed, not yet reaped) counts as dead."""
    return ["sh", "-c", 'test -e "/proc/$1" && ! grep -q "^State:.*Z" "/proc/$1/status"', "-", str(pid)]
