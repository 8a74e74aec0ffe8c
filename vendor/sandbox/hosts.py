"""Local SSH hosts standing in for EC2 instances.

Each host is a network namespace on a bridge, a PID/mount/UTS namespace, an overlay of a lower
directory (by default the real `/`) with its own upper layer, chrooted, running `sshd -D` on
its namespace address, port 22. Root logs in with the run's ed25519 key only; with `user=`, that
user does (key only, passwordless sudo, as a cloud image's default user) and hosts are reached as it.
`image_user=` (the config's image/ssh_username) gives every host the image's default user too.

Below a host's image, right above `/`, lies the run's base layer (rootfs.prepare_base): `/` as
an instance sees it (this machine's homes, caches, /opt, /usr/local, /run, /tmp hidden), a
resolver that is not there, and vend's systemctl/service stand-in. Nothing beyond the subnet is
routed: the hosts have no internet, and what tries fails at once.

    with LocalHosts() as hosts:
        web1, web2 = hosts.start(2)
        ...                        # vendor.ssh.connect(web1), run(...), upload(...)
        hosts.stop("host1")        # the host dies; its disk (upper layer) is kept
        hosts.start_host("host1")  # and boots again with the same files

Everything created carries the prefix; a run holds an exclusive lock on that prefix, and the
next run with the same prefix removes whatever a crashed run left behind.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from vendor.sandbox import layout, locks, netns, rootfs
from vendor.sandbox.errors import HostsBusy, LocalHostsError, SubnetInUse
from vendor.sandbox.machine import Machine, wait_for_sshd
from vendor.ssh.host import Host

__all__ = ["Host", "HostsBusy", "LocalHosts", "LocalHostsError", "SubnetInUse",
           "missing_requirements"]

REQUIRED_TOOLS = ("ip", "unshare", "chroot", "mount", "umount", "ssh-keygen", "setsid")
SSHD = "/usr/sbin/sshd"
READY_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

Layers = Path | str | Sequence[Path | str]


def missing_requirements() -> list[str]:
    """Why local hosts cannot run on this machine (empty when they can)."""
    problems = [] if os.geteuid() == 0 else ["must run as root (namespaces, mounts)"]
    problems += [f"{tool} not found" for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if not os.access(SSHD, os.X_OK):
        problems.append(f"{SSHD} not found (install openssh-server)")
    return problems


class LocalHosts:
    def __init__(
        self,
        prefix: str = "vend",
        *,
        subnet: str = "10.213.7.0/24",
        base_dir: Path | str | None = None,
        lower_dir: Layers = "/",
        ready_timeout: float = READY_TIMEOUT,
        user: str = "root",
        image_user: str | None = None,
    ):
        self.naming = layout.Naming(layout.check_prefix(prefix), layout.check_subnet(subnet))
        default_base = Path(tempfile.gettempdir()) / f"{prefix}-hosts"
        self.base_dir = Path(base_dir) if base_dir else default_base
        lock_dir = Path("/run/lock") if Path("/run/lock").is_dir() else self.base_dir.parent
        self.lock_path = lock_dir / f"{self.base_dir.name}.lock"  # kept: deleting locks races
        self.key_path = self.base_dir / "id_ed25519"
        self.known_hosts = self.base_dir / "known_hosts"
        self.lower_dir = _layers(lower_dir)
        self.ready_timeout = ready_timeout
        self.user = layout.check_user(user)  # who logs in: root, or a user with passwordless sudo
        # the base image's default user (ubuntu, ec2-user): on every host, key login, passwordless sudo
        self.image_user = layout.check_user(image_user) if image_user and image_user != "root" else None
        self.base_layer = self.base_dir / "base"
        self._machines: dict[str, Machine] = {}
        self._lock: int | None = None

    # -- hosts ---------------------------------------------------------------------------

    @property
    def hosts(self) -> list[Host]:
        return [self._host(m) for m in self._machines.values()]

    def host(self, name: str) -> Host:
        return self._host(self._machine(name))

    def running(self, name: str) -> bool:
        return self._machine(name).running

    def upper_dir(self, name: str) -> Path:
        """The host's own layer on the real machine: every file it created or changed."""
        return self._machine(name).upper

    def start(
        self, count: int = 1, *, names: Sequence[str] | None = None,
        lower_dir: Layers | None = None, image_user: str | None = None,
    ) -> list[Host]:
        """Create and boot `count` new hosts (named host1, host2, ... unless `names`).

        `lower_dir` is the read-only root the hosts start from (default: the instance's, `/`);
        a list stacks layers, topmost first, e.g. `[hosts.upper_dir("build"), "/"]` boots from
        what a stopped build host wrote on top of `/` (a "baked image"). `image_user` (default: the
        one given to LocalHosts) is the base image's default user the hosts have.
        """
        lower = _layers(lower_dir) if lower_dir is not None else self.lower_dir
        self._check_layers(lower)
        names = list(names) if names is not None else self._next_names(count)
        for name in names:
            layout.check_host_name(name)
            if name in self._machines:
                raise LocalHostsError(f"host {name} already exists")
        self._prepare()
        account = layout.check_user(image_user) if image_user else self.image_user
        machines = [self._create(name, lower, account if account != "root" else None) for name in names]
        for machine in machines:
            machine.launch()
        wait_for_sshd(machines, self.ready_timeout)
        return [self._host(m) for m in machines]

    def start_host(self, name: str) -> Host:
        """Boot a stopped host again, with the files it had when it stopped."""
        machine = self._machine(name)
        if not machine.running:
            machine.reap()
            machine.launch()
            wait_for_sshd([machine], self.ready_timeout)
        return self._host(machine)

    def stop(self, name: str) -> None:
        """Kill every process of the host at once (like pulling the plug); keep its disk.

        Its address stays on the bridge, so connections are refused rather than hanging."""
        machine = self._machine(name)
        netns.kill_netns_processes(machine.netns, STOP_TIMEOUT)
        machine.reap()

    def signal(self, name: str, signum: int) -> None:
        """Send `signum` to every process of the host: SIGSTOP makes it hang (connections open,
        nothing answers), SIGCONT lets it go on."""
        for pid in netns.netns_pids(self._machine(name).netns):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    def stop_all(self) -> None:
        """Remove every host, namespace, link, mount and file of this prefix. Idempotent.

        Also removes what an earlier, crashed run with the same prefix left behind. While
        another live LocalHosts holds the prefix, nothing here is ours (we hold the lock as long
        as we have hosts), so nothing is touched.
        """
        try:
            self._take_lock()
        except HostsBusy:
            if self._machines:
                raise
            return
        try:
            self._remove_everything()
        finally:
            self._machines.clear()
            self._release_lock()

    def detach(self) -> list[Host]:
        """Leave the hosts running on their own and give up the prefix (the sandbox keeps hosts
        between commands). A later LocalHosts with the same prefix removes them: stop_all()."""
        hosts = self.hosts
        self._machines.clear()
        self._release_lock()
        return hosts

    def __enter__(self) -> LocalHosts:
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()

    # -- set-up and tear-down ------------------------------------------------------------

    def _prepare(self) -> None:
        if self._lock is not None:
            return
        problems = missing_requirements()
        if problems:
            raise LocalHostsError("local hosts unavailable: " + "; ".join(problems))
        self._take_lock()
        try:
            self._remove_everything()  # leftovers of a crashed run with this prefix
            net = self.naming
            with locks.exclusive(self.lock_path.with_name("vend-hosts-subnets.lock")):
                # Check and claim the subnet in one step, also against other prefixes.
                clash = netns.routes_overlapping(net.subnet)
                if clash:
                    raise SubnetInUse(
                        f"subnet {net.subnet} is already routed here ({'; '.join(clash)}); "
                        "choose another subnet"
                    )
                netns.create_bridge(net.bridge, net.gateway, net.subnet.prefixlen)
            self.base_dir.mkdir(mode=0o700, parents=True)
            # Own filesystem for all layers: overlayfs refuses a lower layer nested in another
            # (a host's layer below `/`), and leftovers are one unmount away.
            rootfs.mount_tmpfs(self.base_dir, f"{net.prefix}-hosts")
            rootfs.prepare_base(self.base_layer)
            rootfs.generate_keypair(self.key_path, f"vend-{net.prefix}")
            self.known_hosts.touch(mode=0o600)
        except BaseException:
            self._remove_everything()
            self._release_lock()
            raise

    def _remove_everything(self) -> None:
        for name in netns.list_netns():
            if self.naming.owns_netns(name):
                netns.kill_netns_processes(name, STOP_TIMEOUT)
                netns.delete_netns(name)
        for machine in self._machines.values():
            machine.reap()
        for link in netns.list_links():
            if self.naming.owns_link(link):
                netns.delete_link(link)
        rootfs.remove_tree(self.base_dir)

    def _take_lock(self) -> None:
        if self._lock is None:
            self._lock = locks.try_lock(self.lock_path)
            if self._lock is None:
                raise HostsBusy(
                    f"local hosts with prefix {self.naming.prefix!r} are in use by another "
                    f"process (lock {self.lock_path}); use another prefix and subnet"
                )

    def _release_lock(self) -> None:
        if self._lock is not None:
            locks.release(self._lock)
            self._lock = None

    # -- one host ------------------------------------------------------------------------

    def _check_layers(self, lower: tuple[Path, ...]) -> None:
        missing = [str(p) for p in lower if not p.is_dir()]
        if missing:
            raise LocalHostsError(f"lower directory {', '.join(missing)} does not exist")
        for machine in self._machines.values():
            if machine.upper in lower and machine.running:
                raise LocalHostsError(
                    f"stop host {machine.name} before using its layer as a lower directory"
                )

    def _next_names(self, count: int) -> list[str]:
        if count < 1:
            raise ValueError("count must be at least 1")
        names, i = [], len(self._machines)
        while len(names) < count:
            i += 1
            if f"host{i}" not in self._machines:
                names.append(f"host{i}")
        return names

    def _create(self, name: str, lower: tuple[Path, ...], image_user: str | None) -> Machine:
        net = self.naming
        index = len(self._machines) + 1
        machine = Machine(
            index=index, name=name, netns=net.netns(name), address=net.address(index),
            lower=self._on_base(lower), dir=self.base_dir / "hosts" / name,
        )
        for sub in ("upper", "work", "root"):
            (machine.dir / sub).mkdir(parents=True, exist_ok=True)
        public_key = Path(f"{self.key_path}.pub").read_text().strip()
        host_key = rootfs.prepare_upper(
            machine.upper, name=name, address=machine.address, authorized_key=public_key,
            user=self.user, lower=lower, accounts=(image_user,) if image_user else (),
        )
        with self.known_hosts.open("a") as known:
            known.write(f"{machine.address} {' '.join(host_key.split()[:2])}\n")
        netns.create_netns(
            machine.netns, net.veth(index), net.bridge, machine.address, net.subnet.prefixlen,
            net.gateway,
        )
        self._machines[name] = machine
        return machine

    def _on_base(self, lower: tuple[Path, ...]) -> tuple[Path, ...]:
        """The base layer goes right above this machine's `/`: the hosts see `/` as an instance would."""
        return tuple(p for layer in lower for p in ((self.base_layer, layer) if layer == Path("/") else (layer,)))

    def _machine(self, name: str) -> Machine:
        try:
            return self._machines[name]
        except KeyError:
            raise KeyError(f"no local host named {name!r}") from None

    def _host(self, machine: Machine) -> Host:
        return Host(
            name=machine.name,
            address=machine.address,
            port=layout.SSH_PORT,
            user=self.user,
            key_path=self.key_path,
            known_hosts=self.known_hosts,
        )


def _layers(lower: Layers) -> tuple[Path, ...]:
    layers = (lower,) if isinstance(lower, (str, Path)) else tuple(lower)
    if not layers:
        raise ValueError("lower_dir needs at least one directory")
    return tuple(Path(p).resolve() for p in layers)
