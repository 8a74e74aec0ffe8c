"""Run one argv on a host: stream its output, bound it with a timeout, return a Result."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

import paramiko

from vendor.ssh import counters
from vendor.ssh.command import LineSplitter, MarkerFilter, kill_group_command, remote_command
from vendor.ssh.connection import Connection
from vendor.ssh.errors import CommandTimeout, ConnectionLost, SSHError

OutputCallback = Callable[[str, str], None]  # (stream "stdout" | "stderr", line without "\n")

CHUNK = 32768
POLL = 0.05  # longest wait between looks at the channel; an exit status ends the wait at once
SETTLE = 0.01  # poll interval once the exit status is in, while the last output arrives
EOF_GRACE = 0.5  # after the exit status, wait this long for output still in flight
KILL_TIMEOUT = 5.0


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str
    duration: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def run(
    conn: Connection,
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    input: str | bytes | Future | None = None,
    on_output: OutputCallback | None = None,
    deadline: Callable[[], float] | None = None,
) -> Result:
    """Run `argv` (never interpreted by a shell) and wait at most `timeout` seconds.

    Output lines go to `on_output(stream, line)` as they arrive. On timeout the command's
    whole process group is killed and CommandTimeout is raised; if `on_output` raises, the
    group is killed too and that exception propagates; if the connection drops meanwhile,
    ConnectionLost is raised. exit_code -1 means the host sent no exit status (the command
    died by a signal).

    `input` may be a Future: the command starts at once and its input is sent when the future
    has a result (a command started ahead of its turn, waiting on its stdin).
    `deadline`, if given, is asked on every look at the channel for the monotonic time by which
    the command must have finished (it may move as the command reports progress, e.g. a new
    hook script starting); the command stops at whichever of it and `timeout` comes first.
    """
    command = remote_command(argv, env)
    started = time.monotonic()
    limit = started + timeout
    until = (lambda: min(limit, deadline())) if deadline is not None else (lambda: limit)
    channel = conn.open_session()
    counters.count(conn.host.name, execs=1)
    try:
        try:
            channel.exec_command(command)
        except (EOFError, paramiko.SSHException) as e:
            raise ConnectionLost(f"{conn.host}: cannot start {_short(argv)}: {e}") from e
        streams = _Streams(on_output)
        try:
            finished = _pump(channel, streams, _Input(input), until)
        except BaseException:  # e.g. on_output raised or KeyboardInterrupt: leave nothing running
            _kill_group(conn, _await_pgid(channel, streams.marker))
            raise
        if not finished:
            ran = _elapsed(started, timeout, deadline)
            killed = _kill_group(conn, _await_pgid(channel, streams.marker))
            streams.finish()
            raise CommandTimeout(
                f"{conn.host}: {_short(argv)} timed out after {ran}; {killed}",
                stdout=streams.stdout(),
                stderr=streams.stderr(),
                duration=time.monotonic() - started,
            )
        streams.finish()
        exit_code = channel.recv_exit_status()  # -1: no status came (died by a signal)
        if exit_code == -1 and not conn.alive:
            raise ConnectionLost(f"{conn.host}: connection lost while running {_short(argv)}")
        return Result(
            exit_code=exit_code,
            stdout=streams.stdout(),
            stderr=streams.stderr(),
            duration=time.monotonic() - started,
        )
    finally:
        channel.close()


class _Streams:
    def __init__(self, on_output: OutputCallback | None):
        self.marker = MarkerFilter()
        self._on_output = on_output
        self._data = {"stdout": bytearray(), "stderr": bytearray()}
        self._lines = {"stdout": LineSplitter(), "stderr": LineSplitter()}

    def add(self, name: str, chunk: bytes) -> None:
        if name == "stderr":
            chunk = self.marker.feed(chunk)
        self._data[name] += chunk
        self._emit(name, self._lines[name].feed(chunk))

    def finish(self) -> None:
        rest = self.marker.flush()
        self._data["stderr"] += rest
        self._emit("stderr", self._lines["stderr"].feed(rest))
        for name, splitter in self._lines.items():
            self._emit(name, splitter.flush())

    def stdout(self) -> str:
        return self._data["stdout"].decode("utf-8", errors="replace")

    def stderr(self) -> str:
        return self._data["stderr"].decode("utf-8", errors="replace")

    def _emit(self, name: str, lines: list[str]) -> None:
        if self._on_output is not None:
            for line in lines:
                self._on_output(name, line)


class _Input:
    """The command's input: `get()` is None while a Future input has no result yet; `wait(s)`
    sleeps until it has one (at most s seconds)."""

    def __init__(self, data):
        self._future = data if isinstance(data, Future) else None
        self._ready = threading.Event()
        if self._future is None:
            self._data = _as_bytes(data)
            self._ready.set()
        else:
            self._future.add_done_callback(lambda _: self._ready.set())

    def get(self) -> bytes | None:
        if self._future is None:
            return self._data
        return _as_bytes(self._future.result()) if self._future.done() else None

    def wait(self, seconds: float) -> None:
        self._ready.wait(max(0.0, seconds))


def _pump(channel: paramiko.Channel, streams: _Streams, source: _Input, until: Callable[[], float]) -> bool:
    """Move data until the command ended (True) or the deadline passed (False).

    "Ended" covers a closed channel too (the connection dropped)."""
    sent = 0
    stdin = source.get()
    if stdin == b"":
        channel.shutdown_write()
    exited_at = None
    while True:
        if stdin is None:
            stdin = source.get()
            if stdin == b"":
                channel.shutdown_write()
        while channel.recv_ready():
            streams.add("stdout", channel.recv(CHUNK))
        while channel.recv_stderr_ready():
            streams.add("stderr", channel.recv_stderr(CHUNK))
        if stdin and sent < len(stdin) and not channel.closed and channel.send_ready():
            try:
                sent += channel.send(stdin[sent:sent + CHUNK])
                if sent >= len(stdin):
                    channel.shutdown_write()
            except OSError:
                sent = len(stdin)  # the command stopped reading (it exited): drop the rest
        now = time.monotonic()
        if channel.exit_status_ready():
            exited_at = exited_at or now
            # A backgrounded child may keep stdout open forever: do not wait for it long.
            ended = channel.eof_received or channel.closed or now - exited_at > EOF_GRACE
            if ended and not (channel.recv_ready() or channel.recv_stderr_ready()):
                return True
        elif now >= until():
            return False
        if stdin is None and not channel.exit_status_ready():
            source.wait(min(POLL, until() - now))  # held: wakes the moment its input comes
        else:
            _wait(channel, min(POLL, until() - now))


def _await_pgid(channel: paramiko.Channel, marker: MarkerFilter, timeout: float = KILL_TIMEOUT) -> int | None:
    """The command's process group, reading stderr a little longer if its marker line (printed
    first on stderr) has not been seen yet: stdout can arrive before it."""
    deadline = time.monotonic() + timeout
    while marker.pgid is None and not marker.done and time.monotonic() < deadline and not channel.closed:
        if channel.recv_stderr_ready():
            marker.feed(channel.recv_stderr(CHUNK))
        else:
            _wait(channel, POLL)
    return marker.pgid


def _wait(channel: paramiko.Channel, seconds: float) -> None:
    """Sleep until the exit status arrives or `seconds` pass.

    Never `select()` on a channel: that makes paramiko create a pipe which its transport thread
    may write to while `Channel.close()` closes it, and the resulting EPIPE/EBADF kills the whole
    connection (paramiko issues #1157, #1700, #2271; seen here as a flaky "Broken pipe").
    """
    if channel.exit_status_ready():
        time.sleep(max(0.0, min(SETTLE, seconds)))
    else:
        channel.status_event.wait(max(0.0, seconds))


def _kill_group(conn: Connection, pgid: int | None) -> str:
    """Kill the timed-out command's process group through a second channel; say what happened."""
    if pgid is None:
        return "it never reported its process group, so nothing was killed"
    counters.count(conn.host.name, kills=1)
    try:
        channel = conn.open_session()
    except SSHError as e:
        return f"could not kill process group {pgid}: {e}"
    try:
        channel.settimeout(KILL_TIMEOUT)
        channel.exec_command(kill_group_command(pgid, sudo=conn.host.user != "root"))
        if not channel.status_event.wait(KILL_TIMEOUT):
            return f"kill of process group {pgid} got no answer in {KILL_TIMEOUT:g}s"
        code = channel.exit_status
    except (OSError, paramiko.SSHException) as e:
        return f"could not kill process group {pgid}: {e}"
    finally:
        channel.close()
    return f"killed process group {pgid}" if code == 0 else f"kill of group {pgid} exited {code}"


def _elapsed(started: float, timeout: float, deadline) -> str:
    """How long the command ran, as the timeout message says it: its fixed timeout, or (with a
    moving deadline) the seconds it actually ran."""
    return f"{timeout:g}s" if deadline is None else f"{time.monotonic() - started:.0f}s"


def _as_bytes(data: str | bytes | None) -> bytes:
    if data is None:
        return b""
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _short(argv: Sequence[str], limit: int = 80) -> str:
    text = " ".join(argv)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
