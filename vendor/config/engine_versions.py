"""RDS engine versions as AWS treats them. Pure.

A config names a major version ("16", "8.0") or a full one ("16.9", "8.0.41"). AWS upgrades a
database's minor version on its own (AutoMinorVersionUpgrade), so a database found at a newer
minor version of the wanted major satisfies the config: applying must never "downgrade" it.
"""
from __future__ import annotations

# How many leading parts of a version make its major version.
MAJOR_PARTS = {"postgres": 1, "mysql": 2, "mariadb": 2}


def _parts(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def major(engine: str, version: str) -> str:
    """`16.9` -> `16` (postgres), `8.0.41` -> `8.0` (mysql, mariadb)."""
    return ".".join(version.split(".")[:MAJOR_PARTS.get(engine, 1)])


def is_major_only(engine: str, version: str) -> bool:
    return version == major(engine, version)


def matches(engine: str, wanted: str, version: str) -> bool:
    """Whether `version` (an exact one AWS lists) is what `wanted` names: equal, or in that major."""
    if is_major_only(engine, wanted):
        return major(engine, version) == wanted
    return version == wanted


def satisfies(engine: str, wanted: str, have: str | None) -> bool:
    """Whether a database at `have` is what the config wants: the wanted version, or a newer minor
    version of the same major (AWS's own upgrade)."""
    if have is None:
        return False
    if major(engine, have) != major(engine, wanted):
        return False
    return is_major_only(engine, wanted) or _parts(have) >= _parts(wanted)


def major_upgrade(engine: str, old: str, new: str) -> bool:
    return major(engine, old) != major(engine, new)
