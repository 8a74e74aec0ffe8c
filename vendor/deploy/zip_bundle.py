"""Revision zips: what CodeDeploy (bundleType zip) and CodePipeline's S3 source action read.

A deterministic zip of a revision directory with `appspec.yml` at its root: entries sorted,
parents first, each entry's modification time (UTC, from 1980 on) and permission bits kept as the
bundle keeps them (the agent unzips with them; symlinks stored as links), `.git` left out. The
same tree gives the same bytes,
so the sha256 names the revision (`revisions/<sha256>.zip`), like the tar.gz bundles.

    revision = zip_revision(Path("build/acme-staging/app"))   # validates the appspec first
    s3.put_object(Bucket=bucket, Key=revision.key, Body=revision.data)
"""
from __future__ import annotations

import hashlib
import io
import os
import stat
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from vendor.deploy.appspec import find_appspec, load_appspec
from vendor.deploy.bundle import KEY_PREFIX
from vendor.deploy.revision_tree import checked_tree

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
CONTENT_TYPE = "application/zip"


@dataclass(frozen=True)
class RevisionZip:
    data: bytes
    sha256: str
    names: tuple[str, ...]

    @property
    def key(self) -> str:
        return zip_key(self.sha256)


def zip_key(sha256: str) -> str:
    return f"{KEY_PREFIX}{sha256}.zip"


def revision_of_key(key: str) -> str:
    """The revision (sha256) a `revisions/<sha256>.zip` key names; other keys: their file name."""
    name = key.rsplit("/", 1)[-1]
    return name.removesuffix(".zip") if key.startswith(KEY_PREFIX) else name


def zip_revision(revision: Path, *, check_appspec: bool = True) -> RevisionZip:
    """Zip the revision directory (appspec.yml at the zip's root; validated unless told not to)."""
    revision = Path(revision)
    entries = checked_tree(revision)  # before anything is read: appspec.yml may be a link out
    if check_appspec:
        load_appspec(find_appspec(revision), revision=revision)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, path, st in entries:
            _add(zf, name, path, st)
    data = out.getvalue()
    return RevisionZip(data, hashlib.sha256(data).hexdigest(), tuple(n for n, _, _ in entries))


def _time(st: os.stat_result) -> tuple:
    return max(time.gmtime(st.st_mtime)[:6], FIXED_TIME)


def _add(zf: zipfile.ZipFile, name: str, path: Path, st: os.stat_result) -> None:
    mode = stat.S_IMODE(st.st_mode) & 0o777
    if stat.S_ISDIR(st.st_mode):
        info = zipfile.ZipInfo(name + "/", _time(st))
        info.create_system = 3
        info.external_attr = (stat.S_IFDIR | mode) << 16 | 0x10
        zf.writestr(info, b"")
        return
    info = zipfile.ZipInfo(name, _time(st))
    info.create_system = 3  # unix: the agent honours the modes
    if stat.S_ISLNK(st.st_mode):
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, os.readlink(path).encode())
        return
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, path.read_bytes())
