"""Safe extraction of a revision bundle (tar.gz), on hosts and in the local pipeline.

Every member is checked before anything is written; one unsafe member refuses the whole
archive. Refused: absolute paths, `..`, symlinks and hard links that point outside the
archive (or are absolute), symlinks that lead outside through other symlinks (a chain) or
never resolve (a loop), members below a symlink, device files and FIFOs, duplicate names,
and archives larger than `max_bytes` (unpacked) or with more than `max_members` members.
Extraction then runs with tarfile's "data" filter as a second line of defence.
"""
from __future__ import annotations

import io
import posixpath
import tarfile
import zlib
from pathlib import Path

from vendor.config.source import Problem, SourceError

DEFAULT_MAX_BYTES = 2 * 1024 ** 3  # unpacked
DEFAULT_MAX_MEMBERS = 100_000
CORRUPT_HINT = "the bundle is damaged or was not made by vend; build it again with vend"
MAX_HOPS = 40  # symlinks followed while resolving one, as Linux (ELOOP)


class UnsafeBundleError(SourceError):
    """The archive cannot be extracted safely; nothing was written."""


def extract_bundle(archive: bytes | Path, dest: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   max_members: int = DEFAULT_MAX_MEMBERS) -> list[str]:
    """Extract `archive` (tar.gz bytes or a file) into `dest` (new or empty); return the names."""
    label = str(archive) if isinstance(archive, Path) else "bundle"
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UnsafeBundleError([Problem(str(dest), None, "(destination)",
                                         "exists and is not an empty directory",
                                         "extract each revision into a new directory")])
    fileobj = open(archive, "rb") if isinstance(archive, Path) else io.BytesIO(archive)
    with fileobj:
        try:
            with tarfile.open(fileobj=fileobj, mode="r:gz") as tar:
                members = _members(tar, label, max_members)
                check_members(members, label, max_bytes=max_bytes)
                dest.mkdir(parents=True, exist_ok=True)
                tar.extractall(dest, members=members, filter="data")
        except tarfile.FilterError as e:
            raise UnsafeBundleError([Problem(label, None, "(archive)", str(e), CORRUPT_HINT)])
        except (tarfile.ReadError, tarfile.CompressionError, EOFError, zlib.error) as e:
            raise UnsafeBundleError([Problem(label, None, "(archive)",
                                             f"not a readable tar.gz ({e})", CORRUPT_HINT)])
    return [m.name for m in members]


def check_archive(archive: bytes, label: str = "bundle", *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_members: int = DEFAULT_MAX_MEMBERS) -> None:
    """The checks of `extract_bundle` without extracting: for a bundle about to go to hosts."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            check_members(_members(tar, label, max_members), label, max_bytes=max_bytes)
    except (tarfile.ReadError, tarfile.CompressionError, EOFError, zlib.error) as e:
        raise UnsafeBundleError([Problem(label, None, "(archive)", f"not a readable tar.gz ({e})", CORRUPT_HINT)])


def _members(tar: tarfile.TarFile, label: str, max_members: int) -> list[tarfile.TarInfo]:
    members = []
    for member in tar:
        members.append(member)
        if len(members) > max_members:
            raise UnsafeBundleError([Problem(label, None, "(archive)",
                                             f"more than {max_members} members",
                                             "split the revision or raise max_members")])
    return members


def check_members(members: list[tarfile.TarInfo], label: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  hint: str = CORRUPT_HINT, where: str = "the bundle") -> None:
    """Raise UnsafeBundleError listing every unsafe member (nothing is extracted)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    links: set[str] = set()
    targets = {posixpath.normpath(m.name): m.linkname for m in members if m.issym()}
    total = 0
    for m in members:
        message = _unsafe(m, seen, links)
        if not message and m.issym():
            message = chain_problem(posixpath.normpath(m.name), targets, where)
        if message:
            problems.append(Problem(label, None, m.name or "(empty name)", message.replace("the bundle", where), hint))
        seen.add(posixpath.normpath(m.name))
        if m.issym():
            links.add(posixpath.normpath(m.name))
        total += max(m.size, 0) if m.isreg() else 0
    if total > max_bytes:
        problems.append(Problem(label, None, "(archive)",
                                f"unpacks to {total} bytes, more than the {max_bytes} allowed",
                                "keep build outputs and caches out of the revision"))
    if problems:
        raise UnsafeBundleError(problems)


class _Loop(Exception):
    pass


def chain_problem(name: str, targets: dict[str, str], where: str) -> str:
    """Why symlink `name` leaves `where` when it is followed through the other symlinks
    (`targets`: every symlink's normalised name -> its target), or "" when it stays inside.
    `sub/up -> ../..` is inside on its own, but `x -> sub/up/../etc` then leads outside; a
    target checked as text alone misses that, following the links as the kernel will does not."""
    hops: list[str] = []
    try:
        inside = _resolve(name.split("/")[:-1], targets[name], targets, hops)
    except _Loop:
        return f"symlink to '{targets[name]}' never resolves (a loop of symlinks)"
    if inside is None:
        through = f" through the symlink '{hops[0]}'" if hops else ""
        return f"symlink to '{targets[name]}' leads outside {where}{through}"
    return ""


def _resolve(base: list[str], target: str, targets: dict[str, str], hops: list[str]) -> list[str] | None:
    """The components `target` resolves to from directory `base`, following symlinks; None
    when it leaves the root (an absolute target, or `..` at the root)."""
    if target.startswith("/"):
        return None
    parts = list(base)
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
            continue
        parts.append(part)
        here = "/".join(parts)
        if here in targets:
            hops.append(here)
            if len(hops) > MAX_HOPS:
                raise _Loop
            parts = _resolve(parts[:-1], targets[here], targets, hops)
            if parts is None:
                return None
    return parts


def _unsafe(m: tarfile.TarInfo, seen: set[str], links: set[str]) -> str:
    """Why member `m` is unsafe, or "" when it is fine."""
    name = m.name
    if not name or name.startswith("/"):
        return "absolute path refused"
    parts = name.split("/")
    if ".." in parts:
        return "path with '..' refused"
    normal = posixpath.normpath(name)
    if normal in seen:
        return "duplicate member refused"
    parents = ["/".join(parts[:i]) for i in range(1, len(parts))]
    under = [p for p in parents if posixpath.normpath(p) in links]
    if under:
        return f"member below the symlink '{under[0]}' refused"
    if m.ischr() or m.isblk():
        return "device file refused"
    if m.isfifo():
        return "FIFO refused"
    if m.issym():
        target = posixpath.normpath(posixpath.join(posixpath.dirname(normal), m.linkname))
        if m.linkname.startswith("/") or target == ".." or target.startswith("../"):
            return f"symlink to '{m.linkname}' points outside the bundle"
    if m.islnk():
        target = posixpath.normpath(m.linkname)
        if m.linkname.startswith("/") or target == ".." or target.startswith("../"):
            return f"hard link to '{m.linkname}' points outside the bundle"
        if target not in seen:
            return f"hard link to '{m.linkname}', which is not earlier in the bundle"
    if not (m.isreg() or m.isdir() or m.issym() or m.islnk()):
        return f"member type {m.type!r} refused"
    return ""
