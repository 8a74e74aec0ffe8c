"""DynamoDB's conditional writes are atomic on AWS; moto's are not.

moto's server answers each request on its own thread and checks a ConditionExpression, then
writes, with nothing in between held: two concurrent `UpdateItem ... ConditionExpression
status = pending` calls can both succeed (seen: 2 of 8 concurrent deciders won). The approvals
store relies on AWS's guarantee ("conditional writes are idempotent ... only one succeeds",
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate),
so in the emulator every DynamoDB write runs under one lock. `make_writes_atomic()` is idempotent.
"""
from __future__ import annotations

import functools
import threading

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_lock = threading.RLock()


def _locked(write):
    @functools.wraps(write)
    def wrapper(*args, **kwargs):
        with _lock:
            return write(*args, **kwargs)
    wrapper._vend_atomic = True
    return wrapper


def make_writes_atomic() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in WRITES:
        write = getattr(DynamoDBBackend, name, None)
        if write is not None and not getattr(write, "_vend_atomic", False):
            setattr(DynamoDBBackend, name, _locked(write))
