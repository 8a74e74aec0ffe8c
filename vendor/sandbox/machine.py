"""The process side of one local host: boot it in its namespaces, wait for sshd, reap it."""
from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from vendor.sandbox import layout
from vendor.sandbox.errors import LocalHostsError

REAP_TIMEOUT = 5.0


@dataclass
class Machine:
    index: int
    name: str
    netns: str
    address: str
    lower: tuple[Path, ...]  # read-only layers, topmost first
    dir: Path  # holds upper/ (its disk), work/ (overlayfs scratch), root/ (mount point), log
    process: subprocess.Popen | None = None

    @property
    def upper(self) -> Path:
        return self.dir / "upper"

    @property
    def log(self) -> Path:
        return self.dir / "sshd.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def launch(self) -> None:
        """Start booting (returns at once): PID 1 of new PID/mount/UTS namespaces becomes sshd.

        `--kill-child` ties the host to the `unshare` process, so killing that kills the host.
        """
        script = layout.launch_script(
            name=self.name,
            lower=[str(p) for p in self.lower],
            upper=str(self.upper),
            work=str(self.dir / "work"),
            merged=str(self.dir / "root"),
        )
        command = [
            "ip", "netns", "exec", self.netns,
            "unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child",
            "--propagation", "private", "sh", "-c", script,
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def reap(self) -> None:
        """Collect the boot process (killing it if still alive) so no zombie stays behind."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=REAP_TIMEOUT)
            self.process = None

    def tail(self, lines: int = 5) -> str:
        try:
            text = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:]) or "(empty log)"


def wait_for_sshd(machines: list[Machine], timeout: float) -> None:
    """Until each sshd sends its banner; fail early if one exits, after `timeout` if one is mute."""
    deadline = time.monotonic() + timeout
    waiting = list(machines)
    while waiting:
        for machine in list(waiting):
            if not machine.running:
                code = machine.process.returncode if machine.process else None
                raise LocalHostsError(
                    f"host {machine.name} exited with code {code} while starting: {machine.tail()}"
                )
            if ssh_banner(machine.address):
                waiting.remove(machine)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(m.name for m in waiting)
            raise LocalHostsError(
                f"sshd of {names} not answering after {timeout:g}s: {waiting[0].tail()}"
            )
        if waiting:
            time.sleep(0.02)


def ssh_banner(address: str, port: int = layout.SSH_PORT) -> bool:
    """Whether an SSH server answers at address:port right now."""
    try:
        with socket.create_connection((address, port), timeout=0.5) as sock:
            sock.settimeout(1.0)
            return sock.recv(4).startswith(b"SSH-")
    except OSError:
        return False
