"""What one buildspec command runs as: the shell script around it, and the shell state that
carries over to the next command. Pure apart from reading and writing the state files.

CodeBuild (version 0.2) runs the commands "in the same instance of the default shell": each
command is written to a script (`/codebuild/output/tmp/script.sh`, the command on its line 4),
run, and its exit status checked; what the command left behind (plain and exported variables,
the working directory) is there for the next command, in the next phase too. `exit 0` in a
command ends that command only; a multi-line command fails only if its last status does.
Version 0.1 runs each command in a fresh shell, from the source directory.
Sources: the buildspec reference and "Shells and commands in build environments" (CodeBuild
User Guide) for 0.1/0.2; CodeBuild logs (`/codebuild/output/tmp/script.sh: 4: sudo: not found`,
`Command did not exit successfully PWD exit status 127`) for the script and the per-command
check; users' reports that `exit 0` does not stop a build while `exit 1` fails it
(https://zenn.dev/faycute/articles/cde8ddcbced9a2).

The local build does the same: each command runs in its own shell process whose first three
lines restore the state and set an EXIT trap that saves it; the command is on line 4, so a
shell's `line 4:` messages read as CodeBuild's do.
"""
from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

# Shell-managed or read-only names that are never carried from one command to the next.
NOT_CARRIED = frozenset({
    "_", "PWD", "OLDPWD", "SHLVL", "PPID", "IFS", "PS1", "PS2", "PS4", "OPTIND", "OPTARG", "LINENO", "UID",
    "EUID", "GROUPS", "HOSTNAME", "HOSTTYPE", "MACHTYPE", "OSTYPE", "SHELLOPTS", "HISTCMD", "RANDOM", "SECONDS",
    "SRANDOM", "EPOCHREALTIME", "EPOCHSECONDS", "COLUMNS", "LINES", "PIPESTATUS", "FUNCNAME", "DIRSTACK",
    "MAILCHECK", "HISTFILE", "HISTFILESIZE", "HISTSIZE", "COMP_WORDBREAKS", "TERM", "BASHPID"})


@dataclass
class ShellState:
    """What one command leaves for the next: exported variables (the next process's environment),
    plain shell variables, and the working directory."""
    exported: dict[str, str]
    plain: dict[str, str] = field(default_factory=dict)
    cwd: str = ""


NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _carried(name: str) -> bool:
    return bool(NAME.match(name)) and name not in NOT_CARRIED and not name.startswith(("BASH", "__vend_"))


class StateStore(Protocol):
    """Where the state files live between commands: put/drop/take by file name, never following
    links the build may have planted (a build environment provides the same three calls)."""

    def put(self, name: str, data: bytes) -> None: ...

    def drop(self, name: str) -> None: ...

    def take(self, name: str, limit: int = 8 << 20) -> bytes | None: ...


class StateDir:
    """A StateStore in a directory of this machine."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def put(self, name: str, data: bytes) -> None:
        self.drop(name)
        fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    def drop(self, name: str) -> None:
        try:
            os.unlink(self.directory / name)
        except FileNotFoundError:
            pass

    def take(self, name: str, limit: int = 8 << 20) -> bytes | None:
        try:
            fd = os.open(self.directory / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            data = f.read(limit + 1)
        return data if len(data) <= limit else None


def command_script(command: str, state_path: str) -> str:
    """The script that runs `command` (on line 4) between restoring and saving the shell state;
    `state_path` is the state directory as the shell sees it."""
    d = shlex.quote(str(state_path))
    names = "$(set | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p')"
    save = (f"__vend_rc=$?; pwd > {d}/cwd; env -0 > {d}/exported; "
            f"(for __vend_n in {names}; do export \"$__vend_n\" 2>/dev/null; done; exec env -0) > {d}/all; "
            "exit $__vend_rc")
    lines = [f". {d}/plain.sh",
             f'cd "$(cat {d}/cwd)" || exit 1',
             f"trap {shlex.quote(save)} EXIT",
             command]
    return "\n".join(lines) + "\n"


def write_state(state: ShellState, store: StateStore) -> dict[str, str]:
    """Lay out `state` for the next command's script; returns the environment to start it with."""
    store.put("cwd", state.cwd.encode())
    store.put("plain.sh", "".join(f"{k}={shlex.quote(v)}\n" for k, v in sorted(state.plain.items())).encode())
    for name in ("exported", "all"):
        store.drop(name)
    return dict(state.exported)


def read_state(store: StateStore, before: ShellState) -> ShellState:
    """The state a command left behind; `before` where it left none (killed, its own EXIT trap,
    `exec` away, or files too large)."""
    exported, everything, cwd = store.take("exported"), store.take("all"), store.take("cwd")
    if exported is None or everything is None or cwd is None:
        return before
    exported_vars = {k: v for k, v in _env0(exported).items() if _carried(k)}
    plain = {k: v for k, v in _env0(everything).items() if k not in exported_vars and _carried(k)}
    return ShellState(exported_vars, plain, cwd.decode(errors="replace").rstrip("\n") or before.cwd)


def _env0(data: bytes) -> dict[str, str]:
    out = {}
    for entry in data.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep and name:
            out[name.decode(errors="replace")] = value.decode(errors="replace")
    return out
