"""Background processes of the sandbox, each recorded in the state dir as `<name>.json`.

A record holds the process id and the ports it serves; it counts as running only while the
process is alive and its first port answers. A stale record (crashed process) is removed when
read. The emulator and the sandbox services (approvals web, mail catcher, front door) use this.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from vendor.processes import alive
from vendor.state import private_dir

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class DaemonError(RuntimeError):
    pass


def answers(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port(host: str = HOST) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def read(path: Path) -> dict | None:
    """The record if its process is alive and its first port answers; a stale record is removed."""
    try:
        record = json.loads(Path(path).read_text())
        pid, ports = int(record["pid"]), [int(p) for k, p in record.items() if k.endswith("port")]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if alive(pid) and ports and answers(ports[0]):
        return record
    Path(path).unlink(missing_ok=True)
    return None


def launch(path: Path, argv: list[str], record: dict, *, log: Path, what: str,
           timeout: float = START_TIMEOUT) -> dict:
    """Start `argv` in its own session, wait until every `*port` of `record` answers, record it."""
    private_dir(path.parent)  # the state directory: 0700 when this makes it
    with log.open("ab") as out:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    ports = [p for k, p in record.items() if k.endswith("port")]
    deadline = time.monotonic() + timeout
    while not all(answers(p) for p in ports):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise DaemonError(f"{what} did not start on {HOST} port(s) {', '.join(map(str, ports))}; see {log}")
        time.sleep(0.1)
    record = {"pid": process.pid, **record}
    path.write_text(json.dumps(record))
    return record


def terminate(path: Path) -> dict | None:
    """Stop the recorded process (SIGTERM, then SIGKILL) and remove its record."""
    record = read(path)
    if record is None:
        return None
    pid = record["pid"]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
    Path(path).unlink(missing_ok=True)
    return record


def hold_stop_signals() -> None:
    """Call before starting threads: SIGTERM and SIGINT then stay pending until `wait_for_stop`
    takes them (a handler would run only if the kernel picked the main thread to deliver to)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def wait_for_stop() -> int:
    return signal.sigwait(STOP_SIGNALS)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # not our child: its parent reaps it
