"""What every resource handler shares: the handler interface, tag helpers, waiting, error codes.

A handler knows one kind of resource: `read` finds it by tag or deterministic name (None when
missing) and returns its settings shaped like the wanted `props`; `create`, `update` and `delete`
change AWS. `props` reach handlers with every Ref resolved.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from vendor.plan.resources import Observed, Resource


class StackError(RuntimeError):
    """AWS refused or did not reach the wanted state; the message says what to do."""


class Handler:
    kind: str = ""

    def read(self, ctx, res: Resource, props: Mapping[str, Any]) -> Observed | None:
        raise NotImplementedError

    def create(self, ctx, res: Resource, props: Mapping[str, Any]) -> Observed:
        raise NotImplementedError

    def update(self, ctx, res: Resource, props: Mapping[str, Any], observed: Observed,
               changed: set[str]) -> Observed:
        raise NotImplementedError

    def delete(self, ctx, res: Resource, observed: Observed) -> None:
        raise NotImplementedError


def code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def missing(error: ClientError, *codes: str) -> bool:
    """True when `error` says the resource does not exist (one of `codes`)."""
    return code(error) in codes


def tag_list(tags: Mapping[str, str], key: str = "Key", value: str = "Value") -> list[dict]:
    return [{key: k, value: v} for k, v in tags.items()]


def resource_tags(ctx, res: Resource, props: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Tags of a new resource: Name plus the stack's tags (a shared resource's own tags instead)."""
    own = (props or {}).get("tags") if res.shared else None
    return {"Name": res.name, **(own or ctx.tags)}


def ec2_tag_spec(ctx, res: Resource, resource_type: str, props=None) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": tag_list(resource_tags(ctx, res, props))}]


def ec2_filters(res: Resource) -> list[dict]:
    return [{"Name": "tag:Name", "Values": [res.name]}, {"Name": "tag:ManagedBy", "Values": ["vend"]}]


def wait_until(check: Callable[[], bool], what: str, *, timeout: float = 900, delay: float = 5,
               sleep: Callable[[float], None] = time.sleep) -> None:
    """Poll `check` until true; the first poll is immediate."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise StackError(f"timed out after {timeout:g}s waiting for {what}; run the command again")
        sleep(delay)


def retry_on(codes: tuple[str, ...], call: Callable[[], Any], what: str, *, attempts: int = 10,
             delay: float = 3, sleep: Callable[[float], None] = time.sleep,
             when: Callable[[ClientError], bool] | None = None, backoff: float = 1, max_delay: float = 30) -> Any:
    """Call, retrying while AWS answers one of `codes` (eventual consistency, e.g. a new IAM role)
    and, if given, `when(error)` holds; waits `delay`, multiplied by `backoff` each time up to `max_delay`."""
    wait = delay
    for attempt in range(attempts):
        try:
            return call()
        except ClientError as error:
            if code(error) not in codes or (when and not when(error)) or attempt == attempts - 1:
                raise
            sleep(wait)
            wait = min(wait * backoff, max_delay)
    raise StackError(f"{what} kept failing")  # unreachable: the last attempt re-raises
