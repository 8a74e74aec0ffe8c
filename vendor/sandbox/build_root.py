"""The build environment's root, assembled from an allow-list of this machine's directories.

    root/usr, etc, (bin, lib... links)  this machine's, bound read-only
    root/etc/passwd, group               the image's, with the build users added (bound read-only)
    root/proc, dev                       the namespace's own /proc; a tmpfs with null, zero, (u)random, tty
    root/tmp, var/tmp, home/USER, root   the build's own, empty
    root/codebuild/output/src            the copied-in source (CODEBUILD_SRC_DIR)
    root/codebuild/state                 the build shell's state between commands and phases

Nothing else of the machine is there (no /root, /home, /work, /tmp, /opt, /var, /srv, /mnt).
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path

from vendor.sandbox import rootfs

SRC = "/codebuild/output/src"  # CODEBUILD_SRC_DIR inside the environment
STATE = "/codebuild/state"  # the build shell's state between commands, inside the environment
SYSTEM_DIRS = ("usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
FIRST_UID = 1500


class BuildEnvironmentError(RuntimeError):
    """The build environment cannot be made (the message says why and what to do)."""


class UserRefused(BuildEnvironmentError):
    """A run-as user the build may not run as."""


def prepare_root(work: Path, root: Path, users: list[str], passwd: str, group: str) -> dict[str, tuple[int, int, str]]:
    """Lay out the root (mount points, scratch directories, the source's place, the state files)
    and the image's passwd/group with the build users added; returns name -> (uid, gid, home)."""
    found = {}
    if root.exists():
        rootfs.remove_tree(root)
    root.mkdir(parents=True)
    os.chmod(root, 0o755)
    for name in SYSTEM_DIRS:
        real = Path("/") / name
        if real.is_symlink():
            (root / name).symlink_to(os.readlink(real))
        elif real.is_dir():
            (root / name).mkdir()
    for name, mode in (("proc", 0o555), ("dev", 0o755), ("tmp", 0o1777), ("var", 0o755), ("var/tmp", 0o1777),
                       ("home", 0o755), ("root", 0o700), ("codebuild/output/src", 0o755), (STATE[1:], 0o777)):
        (root / name).mkdir(parents=True, exist_ok=True)
        os.chmod(root / name, mode)
    for name in ("passwd", "group"):
        (work / name).unlink(missing_ok=True)
    passwd_lines, group_lines = passwd.splitlines(), group.splitlines()
    taken = {int(f[2]) for f in (line.split(":") for line in passwd_lines + group_lines) if len(f) > 3 and f[2].isdigit()}
    for name in users:
        entry = next((f for f in (line.split(":") for line in passwd_lines) if f[0] == name and len(f) >= 7), None)
        if entry is None:
            uid = next(u for u in range(FIRST_UID, 60000) if u not in taken)
            taken.add(uid)
            entry = [name, "x", str(uid), str(uid), "build user", f"/home/{name}", "/bin/sh"]
            passwd_lines.append(":".join(entry))
            group_lines.append(f"{name}:x:{uid}:")
        uid, gid, home = int(entry[2]), int(entry[3]), entry[5] or f"/home/{name}"
        if uid == 0:
            raise UserRefused(f"run-as: {name!r} is root (uid 0) in the build image; builds run as an unprivileged "
                              "user (name another user; one missing from the image is created)")
        if home.strip("/").split("/")[0] in SYSTEM_DIRS or home == "/":
            home = f"/home/{name}"
        (root / home.lstrip("/")).mkdir(parents=True, exist_ok=True)
        os.chown(root / home.lstrip("/"), uid, gid)
        found[name] = (uid, gid, home)
    (work / "passwd").write_text("\n".join(passwd_lines) + "\n")
    (work / "group").write_text("\n".join(group_lines) + "\n")
    return found


def tool_mount_points(root: Path, tools: tuple[Path, ...]) -> None:
    """Directories of this machine the caller adds to the image (e.g. tests' stand-in programs):
    each is bound read-only at its own path, so a PATH naming it works inside."""
    for tool in tools:
        top = tool.parts[1] if len(tool.parts) > 1 else ""
        if not tool.is_absolute() or not tool.is_dir() or top in SYSTEM_DIRS or top in ("", "proc", "dev", "codebuild"):
            raise BuildEnvironmentError(f"tool directory {tool} cannot be added to the build image "
                                        "(an existing absolute directory outside /usr, /etc, /proc, /dev, /codebuild)")
        (root / str(tool).lstrip("/")).mkdir(parents=True, exist_ok=True)


def setup_script(work: Path, root: Path, tools: tuple[Path, ...] = ()) -> str:
    """PID 1 of the new namespaces: mount the root, then sleep chrooted until killed."""
    q, r = shlex.quote, str(root)
    lines = ["set -eu"]
    for name in SYSTEM_DIRS:
        if (Path("/") / name).is_dir() and not (Path("/") / name).is_symlink():
            lines.append(f"mount --bind -o ro,nosuid,nodev /{name} {q(f'{r}/{name}')}")
    for tool in tools:
        lines.append(f"mount --bind -o ro,nosuid,nodev {q(str(tool))} {q(r + str(tool))}")
    for name in ("passwd", "group"):
        lines.append(f"mount --bind -o ro {q(str(work / name))} {q(f'{r}/etc/{name}')}")
    lines += [f"mount -t proc -o nosuid,nodev,noexec proc {q(r + '/proc')}",
              f"mount -t tmpfs -o mode=755,nosuid,size=1m dev {q(r + '/dev')}"]
    for device in DEVICES:
        lines += [f"touch {q(f'{r}/dev/{device}')}", f"mount --bind /dev/{device} {q(f'{r}/dev/{device}')}"]
    lines += [f"mkdir -m 1777 {q(r + '/dev/shm')}",
              f"ln -s /proc/self/fd {q(r + '/dev/fd')}",
              *(f"ln -s /proc/self/fd/{i} {q(f'{r}/dev/{n}')}" for i, n in enumerate(("stdin", "stdout", "stderr"))),
              "ip link set lo up", "hostname codebuild",
              "echo $$",  # "1": the root is ready
              f"exec chroot {q(r)} sleep infinity </dev/null >/dev/null 2>&1", ""]
    return "\n".join(lines)
