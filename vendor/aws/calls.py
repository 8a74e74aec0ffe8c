"""Count the AWS API calls a command makes, through botocore's event hooks on each client.

A call is mutating unless its operation reads (Describe*, List*, Get*, BatchGet*, Head*).
`fail_after=N` makes the hook raise `InjectedFault` right after the N-th mutating call has been
answered: the call took effect in AWS but vend never sees its result, as when a process is killed.
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

LOCAL = "vend_answered_locally"  # set in a call's context when no request went to AWS (fleet_reads)
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Head")


class InjectedFault(RuntimeError):
    """Raised by the counting hook to simulate an apply killed after a given call."""


def is_mutating(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES)


@dataclass
class CallCounter:
    fail_after: int | None = None
    calls: Counter = field(default_factory=Counter)  # "service:Operation" -> count
    answered: Counter = field(default_factory=Counter)  # reads answered without a request (fleet_reads)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def mutating(self) -> int:
        return sum(n for key, n in self.calls.items() if is_mutating(key.split(":", 1)[1]))

    def mutating_calls(self) -> dict[str, int]:
        return {key: n for key, n in sorted(self.calls.items()) if is_mutating(key.split(":", 1)[1])}

    def attach(self, client) -> None:
        client.meta.events.register("after-call.*.*", self._after_call)

    def _after_call(self, model, context=None, **_kwargs) -> None:
        service = model.service_model.service_name
        with self._lock:
            (self.answered if context and context.get(LOCAL) else self.calls)[f"{service}:{model.name}"] += 1
        if self.fail_after is not None and is_mutating(model.name) and self.mutating >= self.fail_after:
            limit, self.fail_after = self.fail_after, None
            raise InjectedFault(f"injected fault after mutating call {limit} ({service}:{model.name})")

    def answered_here(self, service: str, operation: str) -> None:
        """A read answered without botocore (fleet_reads.AnsweringClient): counted as answered."""
        with self._lock:
            self.answered[f"{service}:{operation}"] += 1

    def summary(self) -> str:
        return f"{self.total} AWS API calls, {self.mutating} mutating"
