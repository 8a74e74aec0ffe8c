"""The content of locally baked images: each AMI's root filesystem changes, as an overlay layer.

    <state dir>/images/<ami-id>/layer/   what the build host wrote on top of `/` (kept on disk)
    <state dir>/images/<ami-id>/mnt/     the layer on its own tmpfs while mounted

A local host boots from a baked image with `lower_dir=[store.mount(ami_id), "/"]`. The mount is
needed because overlayfs refuses a lower layer that lies inside another lower layer on the same
filesystem ("overlapping lowerdir path"), and `layer/` lies inside `/`; a tmpfs copy does not.

Layers are copied with `cp -a`, which keeps overlayfs's whiteouts (files the build deleted:
0/0 character devices) and opaque-directory xattrs, owners and modes.
"""
from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

from vendor.sandbox import layout
from vendor.sandbox.rootfs import mounts_under

TIMEOUT = 600
# what LocalHosts itself writes into a host's upper layer to run sshd: not the image's content
HOST_PLUMBING = (layout.CONFIG_DIR.lstrip("/"), "etc/hostname", "etc/hosts", "run/sshd")


class LayerError(Exception):
    pass


class LayerStore:
    def __init__(self, state_dir: Path):
        self.root = Path(state_dir) / "images"

    def path(self, ami_id: str) -> Path:
        return self.root / ami_id / "layer"

    def has(self, ami_id: str) -> bool:
        return self.path(ami_id).is_dir()

    def stage(self, upper: Path) -> Path:
        """Copy a stopped build host's upper layer, without the host's own plumbing."""
        staging = self.root / f".incoming-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        _run(["cp", "-a", f"{upper}/.", str(staging)])
        for rel in HOST_PLUMBING:
            target = staging / rel
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
        for empty in ("run", "etc/vend-sshd"):
            if (staging / empty).is_dir() and not any((staging / empty).iterdir()):
                (staging / empty).rmdir()
        return staging

    def commit(self, staging: Path, ami_id: str) -> Path:
        (self.root / ami_id).mkdir(parents=True, exist_ok=True)
        staging.rename(self.path(ami_id))
        return self.path(ami_id)

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def mount(self, ami_id: str) -> Path:
        """The layer on its own tmpfs, usable as an overlay lower dir above `/`. Idempotent."""
        if not self.has(ami_id):
            raise LayerError(f"no local image content for {ami_id} under {self.root}: bake it again")
        point = self.root / ami_id / "mnt"
        if mounts_under(point):
            return point
        point.mkdir(exist_ok=True)
        _run(["mount", "-t", "tmpfs", "-o", "mode=0755", f"vend-{ami_id}", str(point)])
        try:
            _run(["cp", "-a", f"{self.path(ami_id)}/.", str(point)])
        except BaseException:
            self.unmount(ami_id)
            raise
        return point

    def unmount(self, ami_id: str) -> None:
        point = self.root / ami_id / "mnt"
        for mounted in sorted(mounts_under(point), reverse=True):
            _run(["umount", "-l", mounted])

    def ids(self) -> list[str]:
        return sorted(p.name for p in self.root.glob("ami-*") if p.is_dir())

    def remove(self, ami_id: str) -> None:
        self.unmount(ami_id)
        if mounts_under(self.root / ami_id):
            raise LayerError(f"{self.root / ami_id} is still mounted; not deleting it")
        shutil.rmtree(self.root / ami_id, ignore_errors=True)


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
    if result.returncode != 0:
        raise LayerError(f"{' '.join(argv)} failed: {result.stderr.strip()}")
