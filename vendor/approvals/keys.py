"""The HMAC key for approval links: from the environment, or a 0600 key file in the state dir.

The key is never printed and never lives in the repository. `VEND_APPROVALS_KEY` wins when set
(inject it from a secret store); otherwise `approvals.key` is created on first use.
"""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

ENV_KEY = "VEND_APPROVALS_KEY"
KEY_FILE = "approvals.key"
MIN_LEN = 32


class KeyProblem(Exception):
    """A problem with the signing key that a person can fix (the message says how)."""


def load_key(state_dir: Path, environ: dict | None = None) -> bytes:
    env = os.environ if environ is None else environ
    value = env.get(ENV_KEY, "")
    if value:
        if len(value) < MIN_LEN:
            raise KeyProblem(f"{ENV_KEY} is shorter than {MIN_LEN} characters "
                             f"(generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))')")
        return value.encode("utf-8")
    return _key_file(Path(state_dir) / KEY_FILE)


def _key_file(path: Path) -> bytes:
    """Read the key file, making it first if missing (written aside, then linked: atomic)."""
    if path.exists():
        return _read_existing(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        tmp.unlink(missing_ok=True)
    return _read_existing(path)


def _read_existing(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyProblem(f"{path}: key file is readable by others (mode {mode:o}); "
                         f"run: chmod 600 {path}")
    key = path.read_text(encoding="utf-8").strip().encode("utf-8")
    if len(key) < MIN_LEN:
        raise KeyProblem(f"{path}: key file holds fewer than {MIN_LEN} characters; "
                         f"delete it to have a new key made (outstanding links stop working)")
    return key
