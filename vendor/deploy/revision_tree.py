"""The files of a revision directory, checked before anything in it is read or bundled.

Refused, each named: names that are not UTF-8, special files (devices, FIFOs, sockets), and
symlinks that leave the revision, directly (`/etc/passwd`, `../../x`) or through other symlinks
of the revision (`t -> .` and `x -> t/t/../../etc`). `.git` is skipped.
"""
from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path
from typing import Iterator

from vendor.config.source import Problem, SourceError
from vendor.deploy.bundle_extract import chain_problem

SKIPPED_NAMES = frozenset({".git"})


def _walk(root: Path, relative: str = "") -> Iterator[tuple[str, Path, os.stat_result]]:
    """(archive name, path, lstat) of everything under `root`, parents first, sorted by name."""
    directory = root / relative if relative else root
    for name in sorted(os.listdir(directory)):
        if name in SKIPPED_NAMES:
            continue
        member = posixpath.join(relative, name) if relative else name
        path = directory / name
        st = path.lstat()
        yield member, path, st
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(root, member)


def checked_tree(revision: Path) -> list[tuple[str, Path, os.stat_result]]:
    """(archive name, path, lstat) of everything in the revision, parents first; a SourceError
    names every entry that cannot go into a bundle (nothing is read through a symlink)."""
    revision = Path(revision)
    if not revision.is_dir():
        return []  # find_appspec says what is wrong
    entries = list(_walk(revision))
    targets = {name: os.readlink(path) for name, path, st in entries if stat.S_ISLNK(st.st_mode)}
    problems = []
    for name, path, st in entries:
        message = hint = ""
        if not _is_utf8(name):
            message = "file name is not UTF-8"
            hint = "rename it; bundles store names as UTF-8"
        elif stat.S_ISLNK(st.st_mode):
            target = os.readlink(path)
            inside = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if target.startswith("/") or inside == ".." or inside.startswith("../"):
                message = f"symlink to '{target}' points outside the revision"
            else:
                message = chain_problem(name, targets, "the revision")
            hint = "copy the file into the revision or make the link relative and inside it"
        elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
            message = "is not a regular file, directory or symlink"
            hint = "remove it from the revision"
        if message:
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            problems.append(Problem(str(revision), None, shown, message, hint))
    if problems:
        raise SourceError(problems)
    return entries


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
