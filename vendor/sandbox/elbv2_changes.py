"""A change counter for what the front door routes by: listener rules and target registrations.

The emulator (moto) bumps the counter inside every ELBv2 call that can change a route (rules,
listeners, load balancers, target groups, register/deregister targets) and every EC2 call that
changes whether an instance can be a healthy target (start, stop, terminate), after moto has
applied it and before the call answers. The front door reads the counter before routing each
request (one `pread` of 8 bytes from a file in the state dir, no emulator round trip) and reloads
its view when it moved. So once `DeregisterTargets` has answered, no new request is routed to that
target, as on an ALB once a target is draining.

The counter is a file of one 8-byte little-endian number written in place (`pwrite`), so a reader
that keeps the file open always sees the newest value. A missing file reads as None (no emulator
publishing changes: the front door falls back to its refresh interval).
"""
from __future__ import annotations

import functools
import importlib
import os
import struct
import threading
from pathlib import Path

FILE = "elbv2-changes"
_FORMAT = struct.Struct("<Q")

# "module:Class.method" of every moto call that can change a front-door route
WATCHED = (
    "moto.elbv2.models:ELBv2Backend.create_load_balancer",
    "moto.elbv2.models:ELBv2Backend.delete_load_balancer",
    "moto.elbv2.models:ELBv2Backend.create_listener",
    "moto.elbv2.models:ELBv2Backend.modify_listener",
    "moto.elbv2.models:ELBv2Backend.delete_listener",
    "moto.elbv2.models:ELBv2Backend.create_rule",
    "moto.elbv2.models:ELBv2Backend.modify_rule",
    "moto.elbv2.models:ELBv2Backend.delete_rule",
    "moto.elbv2.models:ELBv2Backend.set_rule_priorities",
    "moto.elbv2.models:ELBv2Backend.create_target_group",
    "moto.elbv2.models:ELBv2Backend.modify_target_group",
    "moto.elbv2.models:ELBv2Backend.delete_target_group",
    "moto.elbv2.models:ELBv2Backend.register_targets",
    "moto.elbv2.models:ELBv2Backend.deregister_targets",
    "moto.elbv2.models:FakeTargetGroup.deregister_terminated_instances",
    "moto.ec2.models.instances:InstanceBackend.start_instances",
    "moto.ec2.models.instances:InstanceBackend.stop_instances",
    "moto.ec2.models.instances:InstanceBackend.terminate_instances",
)


class Counter:
    """The writer's side (the emulator process)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        current = read_fd(self._fd)
        self._value = current if current is not None else 0
        self.bump()  # a new emulator is a change too: whatever a reader cached is stale

    def bump(self) -> int:
        with self._lock:
            self._value += 1
            os.pwrite(self._fd, _FORMAT.pack(self._value), 0)
            return self._value

    def close(self) -> None:
        os.close(self._fd)


def read_fd(fd: int) -> int | None:
    data = os.pread(fd, _FORMAT.size, 0)
    return _FORMAT.unpack(data)[0] if len(data) == _FORMAT.size else None


class Reader:
    """The front door's side: `Reader(path)()` is the current counter, or None while no emulator
    has published one. Cheap enough to call before every request."""

    def __init__(self, path: Path):
        self.path, self._fd = Path(path), None

    def __call__(self) -> int | None:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                return None
        return read_fd(self._fd)


_counter: Counter | None = None
_installed = False


def _wrap(target: str) -> None:
    module, _, attribute = target.partition(":")
    cls_name, method = attribute.split(".")
    cls = getattr(importlib.import_module(module), cls_name)
    original = getattr(cls, method)

    @functools.wraps(original)
    def counted(*args, **kwargs):
        try:
            return original(*args, **kwargs)
        finally:  # a call that failed half-way may still have changed something
            if _counter is not None:
                _counter.bump()

    setattr(cls, method, counted)


def publish(path: Path) -> Counter:
    """Count route changes of this process's moto into `path` (idempotent for the wrapping; the
    newest path wins)."""
    global _counter, _installed
    if not _installed:
        for target in WATCHED:
            _wrap(target)
        _installed = True
    if _counter is not None:
        _counter.close()
    _counter = Counter(path)
    return _counter
