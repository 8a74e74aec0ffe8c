"""Run Packer as a subprocess: validate, then build with its output streamed and masked.

Public variables go on the command line (`-var name=value`); secret ones only in Packer's
environment (`PKR_VAR_name`), never in argv. Packer's console output (stdout) is shown and
logged, its debug log (stderr, `PACKER_LOG=1`) is only logged; every line is masked first.
Packer never writes a log file itself (`PACKER_LOG_PATH` is removed): that one would be unmasked.

On timeout Packer gets SIGINT (it cancels the build and cleans up the build instance), and
SIGKILL for its whole process group if it is still there after `CANCEL_GRACE` seconds.
"""
from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vendor.bake.masking import Masker
from vendor.bake.progress import Progress, clock

CANCEL_GRACE = 60.0
HEARTBEAT = 30.0  # without a terminal: a progress line after this long without output
VERSION = re.compile(r"(\d+\.\d+\.\d+)")
TAIL = 15


class PackerError(Exception):
    """Packer failed; the message is masked and ends with the last lines of its output."""


class PackerTimeout(PackerError):
    pass


class Console:
    """Where a build's output goes: `output` for Packer's lines, `status` for the progress line.

    On a terminal the progress line is redrawn under the output; elsewhere (CI logs) it is
    printed when Packer has been quiet for HEARTBEAT seconds, so a long step does not look hung.
    """

    def __init__(self, write: Callable[[str], None], *, tty: bool = False):
        self._write, self.tty, self._shown = write, tty, False

    def output(self, line: str) -> None:
        self._write(("\r\x1b[K" if self._shown else "") + line + "\n")
        self._shown = False

    def status(self, line: str) -> None:
        if self.tty:
            self._write("\r\x1b[K" + line)
            self._shown = True
        else:
            self._write(line + "\n")

    def finish(self) -> None:
        if self._shown:
            self._write("\r\x1b[K")
            self._shown = False


@dataclass(frozen=True)
class Run:
    """One Packer invocation: template and var file in `directory`, plus variables."""

    directory: Path
    template: str
    var_file: str
    variables: Sequence[tuple[str, str]] = ()
    secrets: Mapping[str, str] = field(default_factory=dict)

    def argv(self, packer: str, command: str) -> list[str]:
        extra = ["-color=false"] if command == "build" else []
        variables = [f"-var={name}={value}" for name, value in self.variables]
        return [packer, command, *extra, f"-var-file={self.var_file}", *variables, self.template]


class Packer:
    def __init__(self, binary: str = "packer", *, environ: Mapping[str, str] | None = None):
        self.binary = binary
        self.environ = dict(os.environ if environ is None else environ)

    def version(self) -> str:
        """`1.6.6` for `Packer v1.6.6`."""
        try:
            result = subprocess.run([self.binary, "version"], capture_output=True, text=True, timeout=60,
                                    env=self._env({}))
        except FileNotFoundError:
            raise PackerError(f"{self.binary} not found: install Packer (Debian: apt-get install packer)") from None
        match = VERSION.search(result.stdout)
        if result.returncode != 0 or not match:
            raise PackerError(f"`{self.binary} version` failed: {(result.stdout + result.stderr).strip()}")
        return match[1]

    def init(self, directory: Path, plugins_file: str, masker: Masker) -> None:
        """`packer init PLUGINS_FILE`: install the plugins it requires (Packer 1.7 and newer)."""
        result = subprocess.run([self.binary, "init", plugins_file], cwd=directory, capture_output=True, text=True,
                                timeout=600, env=self._env({}))
        if result.returncode != 0:
            lines = masker((result.stdout + result.stderr).strip()).splitlines()
            raise PackerError(f"packer init failed for {directory / plugins_file}:\n" + "\n".join(lines[-TAIL:]))

    def installed_plugins(self) -> str:
        """`packer plugins installed` (Packer 1.8 and newer): one installed plugin binary a line."""
        result = subprocess.run([self.binary, "plugins", "installed"], capture_output=True, text=True, timeout=60,
                                env=self._env({}))
        return result.stdout if result.returncode == 0 else ""

    def validate(self, run: Run, masker: Masker) -> None:
        result = subprocess.run(run.argv(self.binary, "validate"), cwd=run.directory, capture_output=True,
                                text=True, timeout=300, env=self._env(run.secrets))
        if result.returncode != 0:
            lines = masker((result.stdout + result.stderr).strip()).splitlines()
            raise PackerError(f"packer validate failed for {run.directory / run.template}:\n" + "\n".join(lines[-TAIL:]))

    def build(self, run: Run, masker: Masker, *, console: Console, log_path: Path, timeout: float,
              label: str) -> None:
        """Run `packer build`; raise PackerError (or PackerTimeout) unless it exits 0."""
        argv = run.argv(self.binary, "build")
        progress, tail = Progress(label), []
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w", encoding="utf-8") as log:
            log.write(masker("$ " + " ".join(argv)) + "\n")
            console.output(masker("$ " + " ".join(argv)))
            started = time.monotonic()
            process = subprocess.Popen(argv, cwd=run.directory, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, env=self._env(run.secrets, debug_log=True),
                                       start_new_session=True)

            def on_line(stream: str, raw: str) -> None:
                line = masker(raw)
                log.write(line + "\n")
                if stream == "stdout":
                    console.output(line)
                    tail.append(line)
                    del tail[:-TAIL]
                    if progress.feed(line) and console.tty:
                        console.status(progress.line(time.monotonic() - started))

            beats = [started]

            def on_idle(quiet: float) -> None:
                now = time.monotonic()
                if console.tty or (quiet >= HEARTBEAT and now - beats[-1] >= HEARTBEAT):
                    beats.append(now)
                    console.status(progress.line(now - started))

            streams = _Streams(process, on_line)
            try:
                finished = streams.pump(started + timeout, on_idle)
                if not finished:
                    _cancel(streams)
            finally:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                streams.close()
            console.finish()
            elapsed = clock(time.monotonic() - started)
            log.write(f"# packer exited with {process.returncode} after {elapsed}\n")
        if not finished:
            raise PackerTimeout(f"packer build timed out after {clock(timeout)} and was cancelled "
                                f"(log: {log_path}); raise --timeout if the build needs longer")
        if process.returncode != 0:
            raise PackerError(f"packer build failed with exit code {process.returncode} after {elapsed} "
                              f"(log: {log_path}):\n" + "\n".join(tail))

    def _env(self, secrets: Mapping[str, str], debug_log: bool = False) -> dict[str, str]:
        env = {k: v for k, v in self.environ.items() if k != "PACKER_LOG_PATH" and not k.startswith("PKR_VAR_")}
        env.update({f"PKR_VAR_{name}": value for name, value in secrets.items()})
        env["CHECKPOINT_DISABLE"] = "1"  # no update check calling home
        if debug_log:
            env["PACKER_LOG"] = "1"
        return env


class _Streams:
    """Both output streams of a process, read line by line as they come."""

    def __init__(self, process: subprocess.Popen, on_line: Callable[[str, str], None]):
        self.process, self.on_line = process, on_line
        self.selector = selectors.DefaultSelector()
        self.buffers: dict[str, bytes] = {}
        for name, stream in (("stdout", process.stdout), ("stderr", process.stderr)):
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream, selectors.EVENT_READ, name)
            self.buffers[name] = b""
        self.last_output = time.monotonic()

    def pump(self, deadline: float, on_idle: Callable[[float], None] = lambda quiet: None) -> bool:
        """Until the process exits (True) or the deadline passes (False)."""
        while self.selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                return False
            events = self.selector.select(timeout=min(1.0, deadline - now))
            if not events:
                on_idle(time.monotonic() - self.last_output)
            for key, _ in events:
                self._read(key.fileobj, key.data)
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
        return True

    def _read(self, stream, name: str) -> None:
        chunk = stream.read(65536)
        if not chunk:
            self.selector.unregister(stream)
            if self.buffers[name]:
                self.on_line(name, self.buffers[name].decode("utf-8", "replace").rstrip("\r"))
            return
        *lines, self.buffers[name] = (self.buffers[name] + chunk).split(b"\n")
        for raw in lines:
            self.on_line(name, raw.decode("utf-8", "replace").rstrip("\r"))
        self.last_output = time.monotonic()

    def close(self) -> None:
        self.selector.close()


def _cancel(streams: _Streams) -> None:
    """SIGINT first (Packer cleans up what it created, and says so), SIGKILL after CANCEL_GRACE."""
    process = streams.process
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:
        pass
    if not streams.pump(time.monotonic() + CANCEL_GRACE):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()
