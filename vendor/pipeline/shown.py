"""Problems found in the pipeline's own copies of the customer's files, told as the customer's.

The runner reads buildspec.yml from its work copy of the revision, and appspec.yml from the
build's output artifact; a message naming `/var/lib/vend/.../work/<id>/source/buildspec.yml`
points the user at a file they never wrote. The user's file is the same path under the SOURCE
they pushed; a file the build wrote or changed is named as the artifact's.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vendor.config.source import Problem


def as_users(problems: list[Problem], copy: Path, location: str, *, source_copy: Path | None = None) -> list[Problem]:
    """`problems` with files under `copy` renamed to the same path under `location` (what the user
    pushed). With `source_copy` (`copy` is the build's output artifact), a file that differs from
    the pushed one, or is not in it, is named as the artifact's instead."""
    return [replace(p, file=_shown(p.file, copy, location, source_copy)) for p in problems]


def _shown(file: str, copy: Path, location: str, source_copy: Path | None) -> str:
    try:
        rel = Path(file).relative_to(copy)
    except ValueError:
        return file
    pushed = f"{location.rstrip('/')}/{rel}"
    if source_copy is None:
        return pushed
    original, built = source_copy / rel, copy / rel
    try:
        same = original.is_file() and built.is_file() and original.read_bytes() == built.read_bytes()
    except OSError:
        same = False
    return pushed if same else f"{rel} of the build's output artifact"
