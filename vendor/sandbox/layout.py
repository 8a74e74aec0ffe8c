"""Pure naming, addressing and file contents for local hosts (no I/O here).

Everything a run creates is named after its prefix, so that a later run with the same prefix
can find and remove what a crashed one left behind:

  bridge        {prefix}-br            gets the subnet's first address (.1)
  host veth     {prefix}-v{index}      the namespace side is renamed eth0
  namespace     {prefix}-{host name}
  address       subnet's (index + 1)th address: host 1 -> .2, host 2 -> .3, ...
"""
from __future__ import annotations

import ipaddress
import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath

# No dash in a prefix, so "{prefix}-" can never match the names of another prefix.
PREFIX = re.compile(r"^[a-z][a-z0-9]{0,7}$")
HOST_NAME = re.compile(r"^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$")
SSH_PORT = 22
CONFIG_DIR = "/etc/vend-sshd"  # inside the host: sshd config, host key, authorized keys
HOST_KEY = f"{CONFIG_DIR}/ssh_host_ed25519_key"
AUTHORIZED_KEYS = f"{CONFIG_DIR}/authorized_keys"
SSHD_CONFIG = f"{CONFIG_DIR}/sshd_config"


def check_prefix(prefix: str) -> str:
    if not PREFIX.match(prefix):
        raise ValueError(
            f"invalid prefix {prefix!r}: "
            "use 1-8 lowercase letters or digits, starting with a letter"
        )
    return prefix


def check_host_name(name: str) -> str:
    if not HOST_NAME.match(name):
        raise ValueError(
            f"invalid host name {name!r}: use lowercase letters, digits and dashes (max 32)"
        )
    return name


def check_subnet(subnet: str) -> ipaddress.IPv4Network:
    network = ipaddress.IPv4Network(subnet, strict=True)
    if network.prefixlen != 24 or not network.is_private:
        raise ValueError(f"subnet {subnet} must be a private /24 (e.g. 10.213.7.0/24)")
    return network


@dataclass(frozen=True)
class Naming:
    prefix: str
    subnet: ipaddress.IPv4Network

    @property
    def bridge(self) -> str:
        return f"{self.prefix}-br"

    @property
    def gateway(self) -> str:
        return str(self.subnet.network_address + 1)

    @property
    def max_hosts(self) -> int:
        return self.subnet.num_addresses - 3  # network, bridge, broadcast

    def netns(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def veth(self, index: int) -> str:
        return f"{self.prefix}-v{index}"

    def address(self, index: int) -> str:
        if not 1 <= index <= self.max_hosts:
            raise ValueError(f"host index {index} out of range 1..{self.max_hosts}")
        return str(self.subnet.network_address + 1 + index)

    def owns_netns(self, netns: str) -> bool:
        return netns.startswith(f"{self.prefix}-")

    def owns_link(self, link: str) -> bool:
        veth = re.fullmatch(rf"{re.escape(self.prefix)}-v\d+", link)
        return link == self.bridge or veth is not None


def sshd_config(address: str, user: str = "root") -> str:
    """Root (or `user`, with sudo, as on an Ubuntu instance) may log in with the run's key only;
    sftp is served in-process (no binary needed). A user other than root finds the key in its
    own ~/.ssh/authorized_keys (sshd reads key files with the user's rights)."""
    keys = AUTHORIZED_KEYS if user == "root" else f"{AUTHORIZED_KEYS} .ssh/authorized_keys"
    return "\n".join([
        f"ListenAddress {address}",
        f"Port {SSH_PORT}",
        f"HostKey {HOST_KEY}",
        f"AuthorizedKeysFile {keys}",
        "PermitRootLogin prohibit-password",
        "AllowUsers root" + ("" if user == "root" else f" {user}"),
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "UseDNS no",
        "PidFile none",
        "PrintMotd no",
        "Subsystem sftp internal-sftp",
        "",
    ])


USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")  # as config/patterns.UNIX_USER
FIRST_UID = 1000


def check_user(user: str) -> str:
    if not USER_NAME.match(user):
        raise ValueError(f"invalid user name {user!r}: use lowercase letters, digits, '_' and '-'")
    return user


def with_user(passwd: str, group: str, shadow: str, user: str) -> tuple[str, str, str, int]:
    """/etc/passwd, /etc/group and /etc/shadow with `user` added (its own group, the first free
    id from 1000, home /home/USER, no password: key login and sudo only); and its id."""
    def ids(text: str) -> set[int]:
        return {int(f[2]) for f in (line.split(":") for line in text.splitlines()) if len(f) > 2 and f[2].isdigit()}

    def entry(text: str) -> list[str] | None:
        return next((f for f in (line.split(":") for line in text.splitlines()) if f[0] == user and len(f) >= 7), None)

    existing = entry(passwd)
    if existing and existing[2].isdigit():  # an image that has the user already (baked): keep its ids
        return passwd, group, shadow, int(existing[2])
    taken = ids(passwd) | ids(group)
    uid = next(i for i in range(FIRST_UID, 60000) if i not in taken)

    def add(text: str, line: str) -> str:
        kept = [x for x in text.splitlines() if x.split(":", 1)[0] != user]
        return "\n".join(kept + [line]) + "\n"

    return (add(passwd, f"{user}:x:{uid}:{uid}:{user}:/home/{user}:/bin/sh"), add(group, f"{user}:x:{uid}:"),
            add(shadow, f"{user}:*:19000:0:99999:7:::"), uid)


def sudoers(user: str) -> str:
    """What a cloud image gives its default user: every command through sudo, without a password."""
    return f"{user} ALL=(ALL) NOPASSWD:ALL\n"


# The base layer every host boots from, between its image and this machine's `/`: what a fresh
# cloud instance has that this machine's `/` does not. Directories that are empty there (this
# machine's home directories, caches, wheels, checkouts, runtime files are not the instance's),
# and top-level entries a cloud image does not have are hidden.
EMPTY_DIRS = (("root", 0o700), ("home", 0o755), ("tmp", 0o1777), ("var/tmp", 0o1777), ("run", 0o755),
              ("run/lock", 0o1777), ("opt", 0o755), ("mnt", 0o755), ("media", 0o755), ("srv", 0o755),
              ("usr/local", 0o755))
USR_LOCAL = ("bin", "etc", "games", "include", "lib", "sbin", "share", "src")  # as on a fresh Ubuntu
IMAGE_TOP_LEVEL = frozenset({"bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "lost+found",
                             "media", "mnt", "opt", "proc", "root", "run", "sbin", "snap", "srv", "sys", "tmp",
                             "usr", "var"})
STAND_INS = ("usr/bin/systemctl", "usr/sbin/service")  # vend's stand-in for both (no systemd on the hosts)
STAND_IN_LIB = "usr/lib/vend-systemctl"  # holds the vend_systemctl package (vendor/sandbox/vend_systemctl)
STAND_IN_WRAPPER = f"""#!/usr/bin/python3 -B
# vend sandbox: the stand-in for systemctl and service (this host has no systemd); see /{STAND_IN_LIB}
import sys
sys.path.insert(0, "/{STAND_IN_LIB}")
from vend_systemctl.cli import main
sys.exit(main(sys.argv))
"""
STAND_INS_PATH = "/usr/bin/systemctl"
ENABLED_DIR = "/var/lib/vend-services/enabled"  # the stand-in's record of enabled services
BOOT_LOG_DIR = "/var/log/vend-services"
SERVICE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def hidden_top_level(names: list[str]) -> list[str]:
    """Entries of this machine's `/` that a cloud image does not have (hidden on the hosts)."""
    return sorted(n for n in names if n not in IMAGE_TOP_LEVEL)


APT_OFFLINE = "etc/apt/apt.conf.d/99vend-sandbox-no-internet"


def apt_offline() -> str:
    """apt retries each failed download 3 times with back-off (~10 s for `apt-get update`): with no
    internet there is nothing to wait for."""
    return ("// vend sandbox host: no internet; fail downloads at once (bake packages into the image)\n"
            'Acquire::Retries "0";\n')


def resolv_conf() -> str:
    """The hosts have no internet: name lookups go to a resolver that is not there, inside the
    host's own namespace, so they fail at once instead of after the resolver's 5 s x 2 x N."""
    return ("# vend sandbox host: no internet, no DNS (lookups fail at once; bake packages into the image)\n"
            "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")


def etc_hosts(name: str, address: str) -> str:
    return f"127.0.0.1\tlocalhost\n::1\tlocalhost\n{address}\t{name}\n"


def launch_script(
    *, name: str, lower: list[str], upper: str, work: str, merged: str
) -> str:
    """Shell run as PID 1 of the host's PID namespace (inside its net and mount namespaces).

    `lower` lists the read-only layers, topmost first (e.g. a baked image's layer, then `/`).
    It mounts the overlay root, fresh /proc and /sys, the real /dev, sets the hostname and
    becomes sshd. (The run's own directory, with the keys and every host's layer, is a tmpfs:
    overlayfs does not descend into it from the `/` layer, so hosts cannot see it.)
    """
    if not lower:
        raise ValueError("at least one lower directory is needed")
    for path in (*lower, upper, work, merged):
        if not PurePosixPath(path).is_absolute() or any(c in path for c in ",:\\\n"):
            raise ValueError(f"unusable overlay path {path!r}")
    q = shlex.quote
    m = merged.rstrip("/")
    options = f"lowerdir={':'.join(lower)},upperdir={upper},workdir={work}"
    return "\n".join([
        "set -eu",
        f"mount -t overlay {q(name)} -o {q(options)} {q(m)}",
        f"mount -t proc proc {q(m + '/proc')}",
        f"if [ -d {q(m + '/sys')} ]; then mount -t sysfs sysfs {q(m + '/sys')}; fi",
        f"if [ -d {q(m + '/dev')} ]; then mount --rbind /dev {q(m + '/dev')}; fi",
        f"hostname {q(name)}",
        # the services the image enabled start as the host boots (vend's systemctl stand-in), in
        # the background with a clean environment; their output is the host's boot log
        f"if [ -d {q(m + ENABLED_DIR)} ] && [ -x {q(m + STAND_INS_PATH)} ]; then",
        f"    env -i PATH={SERVICE_PATH} LANG=C.UTF-8 chroot {q(m)} /bin/sh -c "
        f"{q(f'mkdir -p {BOOT_LOG_DIR} && exec {STAND_INS_PATH} vend-boot >>{BOOT_LOG_DIR}/boot.log 2>&1')} "
        "</dev/null >/dev/null 2>&1 &",
        "fi",
        f"exec chroot {q(m)} /usr/sbin/sshd -D -e -f {SSHD_CONFIG}",
        "",
    ])
