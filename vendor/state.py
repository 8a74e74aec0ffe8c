"""Where vend keeps what is not in AWS: approvals, deployment history, bundles, sandbox records.

The state directory holds the approvals database, the audit log and kept bundles, so what vend
makes in it is private to the user: directories 0700, files 0600. Records are read leniently: a
line or file that cannot be read (a truncated write, a disk full) is skipped with a warning
naming the file and line, never a traceback.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

Warn = Callable[[str], None]


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """`VEND_STATE_DIR`, else `$XDG_STATE_HOME/vend`, else `~/.local/state/vend`."""
    env = os.environ if env is None else env
    if env.get("VEND_STATE_DIR"):
        return Path(env["VEND_STATE_DIR"]).expanduser()
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "vend"


def warn_on_stderr(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def private_dir(path: Path) -> Path:
    """`path` as a directory; every directory this call creates (parents too) is 0700."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists() and p.parent != p:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            pass
    return path


def append_private(path: Path, line: str) -> None:
    """Append one line to `path` (created 0600). After a truncated last line (a full disk, a
    crash) the new line starts on a line of its own, so only the damaged one is lost."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "r+b") as f:
        size = os.fstat(fd).st_size
        cut = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
        f.write((("\n" if cut else "") + line.rstrip("\n") + "\n").encode("utf-8"))


def write_private(path: Path, data: bytes | str, *, replace: bool = True) -> bool:
    """Write `path` (0600) whole or not at all: a temporary file, then renamed (or, with
    replace=False, linked, which fails when `path` exists: then False and nothing changes)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


def read_records(path: Path, warn: Warn, *, what: str = "record",
                 valid: Callable[[dict], bool] = lambda r: True) -> Iterator[dict]:
    """The JSON objects of a JSON-lines file, in order; a line that is not one (or not `valid`)
    is skipped with a warning naming the file and line."""
    path = Path(path)
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            warn(f"{path}:{number}: not a readable {what} (not JSON: a truncated write?); skipped")
            continue
        if not isinstance(record, dict) or not valid(record):
            warn(f"{path}:{number}: not a readable {what} (fields missing or of the wrong type); skipped")
            continue
        yield record
