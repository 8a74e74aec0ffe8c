"""The Source stage: a revision from a git repository (at a ref, via `git archive`) or a directory."""
from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from vendor.config.source import SourceError
from vendor.deploy.bundle_extract import check_members
from vendor.deploy.revision_tree import checked_tree

LINK_HINT = "make the link relative and inside the repository, or commit the file itself"


class SourceStageError(Exception):
    pass


@dataclass(frozen=True)
class SourceRevision:
    directory: Path
    commit: str  # the resolved commit, or "" for a plain directory
    subject: str  # the commit's subject line, when known
    author: str = ""  # Name <email> of the commit's author
    date: str = ""  # when it was authored, ISO 8601 UTC (2026-01-31T12:00:00Z)


def _git(args: list[str], cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120)


def fetch_source(location: str, ref: str | None, dest: Path, *, option: str = "--ref") -> SourceRevision:
    """Put the revision at `location` (`ref` of a git repository path or URL, or a directory) into `dest`.
    `option`: how the user gives `ref`, named in errors."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    path = Path(location)
    if path.is_dir() and not (path / ".git").exists():
        if ref:
            raise SourceStageError(f"{location} is a directory, not a git repository: {option} does not apply")
        try:
            checked_tree(path)  # links out of it are refused, not followed
        except SourceError as e:
            raise SourceStageError("; ".join(str(p) for p in e.problems)) from None
        shutil.copytree(path, dest, symlinks=True, dirs_exist_ok=True)
        return SourceRevision(dest, "", "")
    repo = location
    if not path.is_dir():  # a URL: clone it first
        clone = dest.parent / (dest.name + ".clone")
        shutil.rmtree(clone, ignore_errors=True)
        cloned = _git(["clone", "--quiet", "--no-checkout", location, str(clone)])
        if cloned.returncode != 0:
            raise SourceStageError(f"cannot clone {location}: {cloned.stderr.decode(errors='replace').strip()}")
        repo = str(clone)
    resolved = _git(["rev-parse", "--verify", f"{ref or 'HEAD'}^{{commit}}"], cwd=repo)
    if resolved.returncode != 0:
        raise SourceStageError(f"{location}: no commit '{ref or 'HEAD'}' (give {option} with a branch, tag or commit)")
    commit = resolved.stdout.decode().strip()
    archive = _git(["archive", "--format=tar", commit], cwd=repo)
    if archive.returncode != 0:
        raise SourceStageError(f"git archive failed: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        members = tar.getmembers()
        try:  # the bundle's full checks: a committed link out of the repository is named, not a crash
            check_members(members, f"{location} at {commit[:12]}", hint=LINK_HINT, where="the repository")
        except SourceError as e:
            raise SourceStageError("; ".join(str(p) for p in e.problems)) from None
        tar.extractall(dest, members=members, filter="data")
    author, stamp, subject = _git(["log", "-1", "--format=%an <%ae>%x00%at%x00%s", commit],
                                  cwd=repo).stdout.decode(errors="replace").strip().split("\0")
    date = datetime.fromtimestamp(int(stamp), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return SourceRevision(dest, commit, subject, author, date)


def archive(directory: Path) -> bytes:
    """The directory as a gzipped tar, entries in name order (how the Source stage stores it)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for path in sorted(Path(directory).rglob("*")):
            tar.add(path, arcname=path.relative_to(directory).as_posix(), recursive=False)
    return out.getvalue()
