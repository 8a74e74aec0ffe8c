"""The vocabulary of stack planning: wanted resources, references between them, what AWS has. Pure.

A `Resource` is one AWS resource as the config wants it: its kind, its deterministic name and
its settings (`props`). A setting may be a `Ref` to an attribute of another resource (the VPC id
of a subnet) that is only known once that resource exists. `Observed` is what a reader found in
AWS for one resource, with its settings in the same shape as `props`, so comparing is generic.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "(known after apply)"


@dataclass(frozen=True)
class Ref:
    """An attribute (`id`, `arn`, ...) of another resource of this stack."""

    kind: str
    name: str
    attr: str = "id"

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.attr}"


@dataclass(frozen=True)
class Resource:
    kind: str
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)
    present: bool = True  # False: it must not exist; delete it if found
    shared: bool = False  # shared infrastructure: created when missing, never deleted, changed only in `current`
    current: tuple[str, ...] = ()  # props of a shared resource that apply keeps up to date (code, policy)
    immutable: tuple[str, ...] = ()  # props AWS cannot change in place
    create_only: tuple[str, ...] = ()  # props set at creation and not compared afterwards
    unordered: tuple[str, ...] = ()  # list props compared as sets
    renewed: tuple[str, ...] = ()  # attrs an update gives a new value (a launch template's version)
    versions: tuple[str, ...] = ()  # engine version props: a newer minor of the wanted major is no change

    @property
    def key(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Observed:
    """One resource as found in AWS: its id, its settings (shaped like `Resource.props`) and the
    attributes other resources refer to (id, arn, ...)."""

    id: str
    props: Mapping[str, Any] = field(default_factory=dict)
    attrs: Mapping[str, Any] = field(default_factory=dict)


# plain values, checked first: most values are, and an isinstance check against Mapping costs ~8x more
LEAVES = (str, int, float, type(None))


def refs_in(value: Any) -> list[Ref]:
    if isinstance(value, LEAVES):
        return []
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in refs_in(v)]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in refs_in(v)]
    return []


def resolve(value: Any, known: Mapping[str, Observed]) -> Any:
    """`value` with every Ref whose resource is in `known` replaced by the attribute; others stay Refs."""
    if isinstance(value, LEAVES):
        return value
    if isinstance(value, Ref):
        found = known.get(f"{value.kind} {value.name}")
        if found is None:
            return value
        if value.attr == "id":
            return found.id
        return found.attrs.get(value.attr, value)
    if isinstance(value, Mapping):
        return {k: resolve(v, known) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(resolve(v, known) for v in value)
    if isinstance(value, list):
        return [resolve(v, known) for v in value]
    return value


def is_resolved(value: Any) -> bool:
    return not refs_in(value)


def shown(value: Any) -> Any:
    """A value for people and JSON: unresolved Refs become `(known after apply)`."""
    if isinstance(value, LEAVES):
        return value
    if isinstance(value, Ref):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: shown(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [shown(v) for v in value]
    return value
