"""How many remote commands and uploads each host was sent, counted where they are made.

Every `run` (one SSH exec channel) and every upload adds one for its host; the kill a timeout
sends is counted apart. Tests read the counts to check how many round trips a deployment takes,
without timing anything:

    before = counters.snapshot()
    ...                                  # deploy
    counters.since(before)["host1"]      # Counts(execs=2, uploads=1, kills=0)
"""
from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    execs: int = 0
    uploads: int = 0
    kills: int = 0

    def __sub__(self, other: "Counts") -> "Counts":
        return Counts(self.execs - other.execs, self.uploads - other.uploads, self.kills - other.kills)


_lock = threading.Lock()
_counts: dict[str, Counts] = {}


def count(host_name: str, *, execs: int = 0, uploads: int = 0, kills: int = 0) -> None:
    with _lock:
        c = _counts.get(host_name, Counts())
        _counts[host_name] = Counts(c.execs + execs, c.uploads + uploads, c.kills + kills)


def snapshot() -> dict[str, Counts]:
    with _lock:
        return dict(_counts)


def since(before: dict[str, Counts]) -> dict[str, Counts]:
    """Per host, what was counted after `before` (a snapshot); hosts with nothing new are left out."""
    now = snapshot()
    out = {name: c - before.get(name, Counts()) for name, c in now.items()}
    return {name: c for name, c in out.items() if c != Counts()}
