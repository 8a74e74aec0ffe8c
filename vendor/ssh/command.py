"""Pure helpers for running argv remotely: quoting, the process-group wrapper, line splitting.

The remote login shell receives one string. It is always built with `shlex.join` from an argv
list, so no argument is ever interpreted by the shell. The command runs under `setsid`, which
makes it the leader of a fresh process group; its first act is to report that group id on
stderr (one marker line, stripped again here), so a timeout can kill the whole group.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence

PGID_MARKER = b"vend-pgid:"
_MARKER_LINE_MAX = 40
# $$ of this sh is the session and process-group leader created by setsid.
_WRAPPER = 'printf "vend-pgid:%s\\n" "$$" >&2; exec "$@"'
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_argv(argv: Sequence[str]) -> list[str]:
    if isinstance(argv, (str, bytes)) or not isinstance(argv, Sequence):
        raise TypeError(f"argv must be a list of strings, not {type(argv).__name__}")
    if not argv:
        raise ValueError("argv must not be empty")
    bad = [a for a in argv if not isinstance(a, str)]
    if bad:
        raise TypeError(f"argv items must be strings, got {bad[0]!r}")
    if any("\0" in a for a in argv):
        raise ValueError("argv items must not contain NUL characters")
    return list(argv)


def env_assignments(env: Mapping[str, str] | None) -> list[str]:
    """`NAME=value` words for `env`, validated so a name can never be taken for a command."""
    words = []
    for name, value in (env or {}).items():
        if not _ENV_NAME.match(name):
            raise ValueError(f"invalid environment variable name {name!r}")
        if not isinstance(value, str) or "\0" in value:
            raise ValueError(f"environment variable {name} must be a string without NUL")
        words.append(f"{name}={value}")
    return words


def remote_command(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """The one string sent to the remote shell for `argv` (with optional environment)."""
    words = check_argv(argv)
    assignments = env_assignments(env)
    if assignments:
        words = ["env", "--", *assignments, *words]
    return shlex.join(["setsid", "-w", "/bin/sh", "-c", _WRAPPER, "vend-run", *words])


def kill_group_command(pgid: int, *, sudo: bool = False) -> str:
    """The command that kills process group `pgid`. `sudo`: the login user is not root, and the
    group may run as root (a command started with sudo): kill through `sudo -n`, else as the user."""
    if not isinstance(pgid, int) or pgid <= 1:
        raise ValueError(f"refusing to kill process group {pgid!r}")
    kill = shlex.join(["kill", "-KILL", "--", f"-{pgid}"])
    return f"sudo -n {kill} 2>/dev/null || {kill}" if sudo else kill


class LineSplitter:
    """Turns chunks of bytes into complete decoded lines (without their newline)."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[str]:
        data = self._pending + chunk
        *lines, self._pending = data.split(b"\n")
        return [_decode(line) for line in lines]

    def flush(self) -> list[str]:
        rest, self._pending = self._pending, b""
        return [_decode(rest)] if rest else []


class MarkerFilter:
    """Strips the `vend-pgid:N` line from a stderr stream and remembers N.

    The wrapper prints the marker before the command starts, so only the remote shell's own
    start-up noise (a profile's warning, a debug log) can come before it: lines before it pass
    through unchanged, and after SEARCH_LIMIT bytes without it (for example `setsid` is missing
    on the host) the search stops and `pgid` stays None.
    """

    SEARCH_LIMIT = 8192

    def __init__(self) -> None:
        self.pgid: int | None = None
        self._line = b""  # the incomplete line held back because it may still become the marker
        self._mid_line = False  # a partial line was passed through: the rest of it is not the marker
        self._seen = 0
        self._done = False

    def feed(self, chunk: bytes) -> bytes:
        out = bytearray()
        while chunk and not self._done:
            if self._mid_line:
                end = chunk.find(b"\n") + 1 or len(chunk)
                out += chunk[:end]
                self._seen += end
                self._mid_line = chunk[end - 1:end] != b"\n"
                chunk = chunk[end:]
            else:
                data = self._line + chunk
                line, newline, chunk = data.partition(b"\n")
                self._line = b""
                if newline and line.startswith(PGID_MARKER) and line[len(PGID_MARKER):].isdigit():
                    self.pgid, self._done = int(line[len(PGID_MARKER):]), True
                    break
                could_be_marker = line.startswith(PGID_MARKER) or PGID_MARKER.startswith(line)
                if not newline and could_be_marker and len(line) < _MARKER_LINE_MAX:
                    self._line = line  # wait for more
                    break
                out += line + newline
                self._seen += len(line) + len(newline)
                self._mid_line = not newline
            if self._seen >= self.SEARCH_LIMIT:
                self._done = True
        if self._done:
            out += self._line + chunk
            self._line = b""
        return bytes(out)

    @property
    def done(self) -> bool:
        """The marker was found, or it was looked for long enough."""
        return self._done

    def flush(self) -> bytes:
        rest, self._line, self._done = self._line, b"", True
        return rest


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
