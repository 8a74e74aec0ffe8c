"""What one buildspec command runs as: the shell script around it, and the shell state that
carries over to the next command. Pure apart from reading and writing the state files.

CodeBuild (version 0.2) runs the commands "in the same instance of the default shell": each
command is written to a script (`/codebuild/output/tmp/script.sh`, the command on its line 4),
run, and its exit status checked; what the command left behind (plain and exported variables,
the working directory) is there for the next command, in the next phase too. `exit 0` in a
command ends that command only; a multi-line command fails only if its last status does.
Version 0.1 runs each command in a fresh shell, from the source directory.

The local build does the same: each command runs in its own shell process whose first three
lines restore the state and set an EXIT trap that saves it; the command is on line 4, so a
shell's `line 4:` messages read as CodeBuild's do.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

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


def command_script(command: str, state_dir: Path) -> str:
    """The script that runs `command` (on line 4) between restoring and saving the shell state."""
    d = shlex.quote(str(state_dir))
    names = "$(set | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p')"
    save = (f"__vend_rc=$?; pwd > {d}/cwd; env -0 > {d}/exported; "
            f"(for __vend_n in {names}; do export \"$__vend_n\" 2>/dev/null; done; exec env -0) > {d}/all; "
            "exit $__vend_rc")
    lines = [f". {d}/plain.sh",
             f'cd "$(cat {d}/cwd)" || exit 1',
             f"trap {shlex.quote(save)} EXIT",
             command]
    return "\n".join(lines) + "\n"


def write_state(state: ShellState, state_dir: Path) -> dict[str, str]:
    """Lay out `state` for the next command's script; returns the environment to start it with."""
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "cwd").write_text(state.cwd)
    (state_dir / "plain.sh").write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in sorted(state.plain.items())))
    for name in ("exported", "all"):
        (state_dir / name).unlink(missing_ok=True)
    return dict(state.exported)


def read_state(state_dir: Path, before: ShellState) -> ShellState:
    """The state a command left behind; `before` where it left none (killed, or `exec` away)."""
    try:
        exported = _env0((state_dir / "exported").read_bytes())
        everything = _env0((state_dir / "all").read_bytes())
        cwd = (state_dir / "cwd").read_text().rstrip("\n")
    except FileNotFoundError:
        return before
    exported = {k: v for k, v in exported.items() if _carried(k)}
    plain = {k: v for k, v in everything.items() if k not in exported and _carried(k)}
    return ShellState(exported, plain, cwd or before.cwd)


def _env0(data: bytes) -> dict[str, str]:
    out = {}
    for entry in data.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep and name:
            out[name.decode(errors="replace")] = value.decode(errors="replace")
    return out
