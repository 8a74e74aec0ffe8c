"""Revision bundles: a deterministic tar.gz of the customer's revision directory.

The same tree always gives the same bytes (sorted entries, fixed uid/gid/owner names, gzip
without name or time), so the sha256 of the bytes is a content address: `upload` stores a
bundle under `revisions/<sha256>.tar.gz`. Each entry keeps its permission bits and modification
time (whole seconds), as a revision zip does through CodeDeploy: the agent installs files with
them. Set-id and sticky bits are never bundled.

    bundle = build_bundle(Path("build/revision"))     # validates the appspec first
    where = upload(s3, "acme-artifacts", bundle)       # S3Location: bucket, key, version, etag
    extract_bundle(bundle.data, Path("/opt/vend/revisions/" + bundle.sha256))
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vendor.deploy.appspec import AppSpec, find_appspec, load_appspec
from vendor.deploy.bundle_extract import UnsafeBundleError, extract_bundle
from vendor.deploy.lifecycle import S3Location
from vendor.deploy.revision_tree import checked_tree

__all__ = ["Bundle", "UnsafeBundleError", "build_bundle", "bundle_key", "extract_bundle", "upload"]

FIXED_MTIME = 0  # of the gzip header
PERMISSION_BITS = 0o777  # no set-id or sticky bits
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
    """Check the revision's files and appspec, then pack the directory (without `.git`)."""
    revision = Path(revision)
    entries = checked_tree(revision)  # before anything is read: appspec.yml may be a link out
    appspec = load_appspec(find_appspec(revision), revision=revision)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=FIXED_MTIME) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, path, st in entries:
                _add(tar, name, path, st)
    data = raw.getvalue()
    return Bundle(data, hashlib.sha256(data).hexdigest(), appspec,
                  tuple(name for name, _, _ in entries))


def upload(s3_client: Any, bucket: str, bundle: Bundle) -> S3Location:
    """Store `bundle` in `bucket` under its content-addressed key; return where it is (the key, the
    object's version in a versioned bucket, its ETag: what the hooks of its deployments get)."""
    answer = s3_client.put_object(Bucket=bucket, Key=bundle.key, Body=bundle.data, ContentType=CONTENT_TYPE,
                                  Metadata={"sha256": bundle.sha256})
    return S3Location.put_answer(bucket, bundle.key, answer)


def _add(tar: tarfile.TarFile, name: str, path: Path, st: os.stat_result) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = max(int(st.st_mtime), 0)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if stat.S_ISLNK(st.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
        info.mode = 0o777
        tar.addfile(info)
    elif stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
        info.mode = stat.S_IMODE(st.st_mode) & PERMISSION_BITS
        tar.addfile(info)
    else:
        info.mode = stat.S_IMODE(st.st_mode) & PERMISSION_BITS
        info.size = st.st_size
        with open(path, "rb") as f:
            tar.addfile(info, f)
