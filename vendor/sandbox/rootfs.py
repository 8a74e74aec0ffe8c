"""Files of local hosts on the real machine: key pairs, each host's upper layer, safe removal."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from vendor.sandbox import layout

TOOL_TIMEOUT = 10.0


def generate_keypair(private_path: Path, comment: str) -> str:
    """Create an ed25519 key pair without passphrase (unless present); return the public key."""
    if not private_path.exists():
        private_path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(private_path)],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=TOOL_TIMEOUT, check=True,
        )
    return Path(f"{private_path}.pub").read_text().strip()


def prepare_upper(upper: Path, *, name: str, address: str, authorized_key: str, user: str = "root",
                  lower: tuple[Path, ...] = (Path("/"),)) -> str:
    """Write what the host's sshd needs into its upper layer; return its public host key.

    The files sit in the upper layer, so they are visible inside the host whatever its lower
    directory is, and they survive a stop and start of the host. A `user` other than root is
    created (as a cloud image's default user: key login, passwordless sudo), from the accounts
    of the topmost `lower` layer that has them.
    """
    config_dir = upper / layout.CONFIG_DIR.lstrip("/")
    config_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(config_dir, 0o755)
    host_key = generate_keypair(upper / layout.HOST_KEY.lstrip("/"), f"vend-host-{name}")
    _write(upper / layout.AUTHORIZED_KEYS.lstrip("/"), authorized_key + "\n", 0o600)
    _write(upper / layout.SSHD_CONFIG.lstrip("/"), layout.sshd_config(address, user), 0o644)
    if user != "root":
        _add_user(upper, layout.check_user(user), authorized_key, lower)
    _write(upper / "etc/hostname", name + "\n", 0o644)
    _write(upper / "etc/hosts", layout.etc_hosts(name, address), 0o644)
    (upper / "run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege separation dir
    os.chmod(upper / "run/sshd", 0o755)
    return host_key


def _add_user(upper: Path, user: str, authorized_key: str, lower: tuple[Path, ...]) -> None:
    def text(rel: str) -> str:
        found = next((layer / rel for layer in lower if (layer / rel).is_file()), None)
        return found.read_text() if found else ""

    passwd, group, shadow, uid = layout.with_user(text("etc/passwd"), text("etc/group"), text("etc/shadow"), user)
    _write(upper / "etc/passwd", passwd, 0o644)
    _write(upper / "etc/group", group, 0o644)
    _write(upper / "etc/shadow", shadow, 0o640)
    _write(upper / "etc/sudoers.d" / f"90-vend-{user}", layout.sudoers(user), 0o440)
    home = upper / "home" / user
    _write(home / ".ssh/authorized_keys", authorized_key + "\n", 0o600)
    os.chmod(home / ".ssh", 0o700)
    for path in (home, home / ".ssh", home / ".ssh/authorized_keys"):
        os.chown(path, uid, uid)
    os.chmod(home, 0o750)
    os.chmod(upper / "home", 0o755)


def mount_tmpfs(path: Path, source: str) -> None:
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "mode=0700", source, str(path)],
        capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=True,
    )


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path` in this process's mount namespace."""
    root = str(path).rstrip("/")
    found = []
    with open("/proc/self/mounts") as mounts:
        for line in mounts:
            point = _unescape(line.split()[1])
            if point == root or point.startswith(root + "/"):
                found.append(point)
    return found


def remove_tree(path: Path) -> None:
    """Delete `path` recursively, but never through a mount (it could be someone's root)."""
    if not path.exists():
        return
    for point in sorted(mounts_under(path), reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, timeout=TOOL_TIMEOUT)
    left = mounts_under(path)
    if left:
        raise RuntimeError(f"refusing to delete {path}: still mounted at {', '.join(left)}")
    shutil.rmtree(path)


def _write(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)


def _unescape(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field
