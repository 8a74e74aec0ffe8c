"""The HMAC key for approval links: from the environment, or a 0600 key file in the state dir.

The key is never printed and never lives in the repository. `VEND_APPROVALS_KEY` wins when set
(inject it from a secret store); otherwise `approvals.key` is created on first use. A key file
that is a symlink, belongs to another user or is readable by others is refused.
"""
from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from vendor.state import private_dir

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
    if os.path.lexists(path):
        return _read_existing(path)
    private_dir(path.parent)
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
    """The key of an existing key file that only its owner, this user, can read or replace."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise KeyProblem(f"{path}: key file is a symbolic link; keep the key file itself there, "
                             f"or remove the link to have a new key made: rm {path}") from None
        raise KeyProblem(f"{path}: cannot read the key file ({e.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise KeyProblem(f"{path}: key file is not a regular file; remove it to have a new key made")
        if st.st_uid != os.geteuid():
            raise KeyProblem(f"{path}: key file belongs to uid {st.st_uid}, not to you (uid {os.geteuid()}); "
                             f"anyone who owns it can read or replace the key: remove it to have a new one "
                             f"made (outstanding links stop working): rm {path}")
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            raise KeyProblem(f"{path}: key file is readable by others (mode {mode:o}); "
                             f"run: chmod 600 {path}")
        key = f.read(4096).decode("utf-8", "replace").strip().encode("utf-8")
    if len(key) < MIN_LEN:
        raise KeyProblem(f"{path}: key file holds fewer than {MIN_LEN} characters; "
                         f"delete it to have a new key made (outstanding links stop working)")
    return key
