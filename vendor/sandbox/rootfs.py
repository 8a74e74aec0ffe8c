"""Files of local hosts on the real machine: key pairs, each host's upper layer, safe removal."""
from __future__ import annotations

import os
import shutil
import stat
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
                  lower: tuple[Path, ...] = (Path("/"),), accounts: tuple[str, ...] = ()) -> str:
    """Write what the host's sshd needs into its upper layer; return its public host key.

    The files sit in the upper layer, so they are visible inside the host whatever its lower
    directory is, and they survive a stop and start of the host. A `user` other than root is
    created (as a cloud image's default user: key login, passwordless sudo), from the accounts
    of the topmost `lower` layer that has them; so is each of `accounts` (the image's default user
    when root logs in). A user the image already has keeps its ids.
    """
    config_dir = upper / layout.CONFIG_DIR.lstrip("/")
    config_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(config_dir, 0o755)
    host_key = generate_keypair(upper / layout.HOST_KEY.lstrip("/"), f"vend-host-{name}")
    _write(upper / layout.AUTHORIZED_KEYS.lstrip("/"), authorized_key + "\n", 0o600)
    _write(upper / layout.SSHD_CONFIG.lstrip("/"), layout.sshd_config(address, user), 0o644)
    for account in dict.fromkeys([user, *accounts]):
        if account != "root":
            _add_user(upper, layout.check_user(account), authorized_key, (upper, *lower))
    _write(upper / "etc/hostname", name + "\n", 0o644)
    _write(upper / "etc/hosts", layout.etc_hosts(name, address), 0o644)
    (upper / "run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege separation dir
    os.chmod(upper / "run/sshd", 0o755)
    return host_key


def prepare_base(base: Path, real_root: Path = Path("/")) -> Path:
    """The base layer (see layout.EMPTY_DIRS): this machine's `/` as a fresh cloud instance sees it.

    Overlayfs hides a lower directory below an opaque one and a lower file below a whiteout (a 0/0
    character device), so home directories, caches, wheels, checkouts and runtime files of this
    machine are not on the hosts. It also holds the hosts' resolv.conf (no internet) and vend's
    stand-in for systemctl and service. Lies between a host's image and `/`; built once per run.
    """
    base.mkdir(mode=0o755, parents=True, exist_ok=True)
    for rel, mode in layout.EMPTY_DIRS:
        path = base / rel
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, mode)
        os.setxattr(path, "trusted.overlay.opaque", b"y")
    for sub in layout.USR_LOCAL:
        (base / "usr/local" / sub).mkdir(exist_ok=True)
    for name in (".bashrc", ".profile"):  # root's own, as the image's /root has them
        if (real_root / "etc/skel" / name).is_file():
            shutil.copy2(real_root / "etc/skel" / name, base / "root" / name)
    for name in layout.hidden_top_level(os.listdir(real_root)):
        os.mknod(base / name, 0o600 | stat.S_IFCHR, os.makedev(0, 0))
    _write(base / "etc/resolv.conf", layout.resolv_conf(), 0o644)
    if (real_root / "etc/apt/apt.conf.d").is_dir():
        _write(base / layout.APT_OFFLINE, layout.apt_offline(), 0o644)
    package = Path(__file__).with_name("vend_systemctl")
    for module in sorted(package.glob("*.py")):
        _write(base / layout.STAND_IN_LIB / "vend_systemctl" / module.name, module.read_text(), 0o644)
    for rel in layout.STAND_INS:
        _write(base / rel, layout.STAND_IN_WRAPPER, 0o755)
    return base


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
