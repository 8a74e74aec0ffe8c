"""Revision bundles: a deterministic tar.gz of the customer's revision directory.

The same tree always gives the same bytes (sorted entries, fixed mtime/uid/gid/owner names,
normalised modes, gzip without name or time), so the sha256 of the bytes is a content
address: `upload` stores a bundle under `revisions/<sha256>.tar.gz`.

    bundle = build_bundle(Path("build/revision"))     # validates the appspec first
    key = upload(s3, "acme-artifacts", bundle)
    extract_bundle(bundle.data, Path("/opt/vend/revisions/" + bundle.sha256))
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import posixpath
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from vendor.config.source import Problem, SourceError
from vendor.deploy.appspec import AppSpec, load_revision_appspec
from vendor.deploy.bundle_extract import UnsafeBundleError, extract_bundle

__all__ = ["Bundle", "UnsafeBundleError", "build_bundle", "bundle_key", "extract_bundle", "upload"]

SKIPPED_NAMES = frozenset({".git"})
FIXED_MTIME = 0
KEY_PREFIX = "revisions/"
CONTENT_TYPE = "application/gzip"


@dataclass(frozen=True)
class Bundle:
    data: bytes  # the tar.gz
    sha256: str  # hex digest of `data`
    appspec: AppSpec
    names: tuple[str, ...]  # archive members, in archive order

    @property
    def key(self) -> str:
        return bundle_key(self.sha256)


def bundle_key(sha256: str) -> str:
    """The content-addressed S3 key of a bundle."""
    return f"{KEY_PREFIX}{sha256}.tar.gz"


def build_bundle(revision: Path) -> Bundle:
    """Validate the revision's appspec, then pack the directory (without `.git`)."""
    revision = Path(revision)
    appspec = load_revision_appspec(revision)
    entries = list(_walk(revision))
    _refuse_unbundlable(revision, entries)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=FIXED_MTIME) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, path, st in entries:
                _add(tar, name, path, st)
    data = raw.getvalue()
    return Bundle(data, hashlib.sha256(data).hexdigest(), appspec,
                  tuple(name for name, _, _ in entries))


def upload(s3_client: Any, bucket: str, bundle: Bundle) -> str:
    """Store `bundle` in `bucket` under its content-addressed key; return the key."""
    s3_client.put_object(Bucket=bucket, Key=bundle.key, Body=bundle.data, ContentType=CONTENT_TYPE,
                         Metadata={"sha256": bundle.sha256})
    return bundle.key


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


def _refuse_unbundlable(revision: Path, entries: list) -> None:
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
                hint = "copy the file into the revision or make the link relative and inside it"
        elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
            message = "is not a regular file, directory or symlink"
            hint = "remove it from the revision"
        if message:
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            problems.append(Problem(str(revision), None, shown, message, hint))
    if problems:
        raise SourceError(problems)


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _add(tar: tarfile.TarFile, name: str, path: Path, st: os.stat_result) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if stat.S_ISLNK(st.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
        info.mode = 0o777
        tar.addfile(info)
    elif stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        tar.addfile(info)
    else:
        info.mode = 0o755 if st.st_mode & 0o111 else 0o644
        info.size = st.st_size
        with open(path, "rb") as f:
            tar.addfile(info, f)
