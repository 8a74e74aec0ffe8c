"""Copy files to and from a host over SFTP.

Uploads land atomically: the data goes to a temporary name next to the target and is renamed
over it only when complete, so a host that dies mid-upload never holds a half-written file
under the real name.
"""
from __future__ import annotations

import io
import posixpath
import uuid
from pathlib import Path

import paramiko

from vendor.ssh import counters
from vendor.ssh.connection import Connection
from vendor.ssh.errors import ConnectionLost, TransferError

_SFTP_ERRORS = (OSError, EOFError, paramiko.SSHException)


def upload(
    conn: Connection, local_path: str | Path, remote_path: str, *, mode: int | None = None
) -> int:
    """Copy a local file to `remote_path` (parent directory must exist); return bytes sent."""
    local = Path(local_path)
    if not local.is_file():
        raise TransferError(f"cannot upload {local}: not a file")
    with local.open("rb") as source:
        return _put(conn, source, remote_path, mode, f"{local} -> {conn.host.name}:{remote_path}")


def upload_bytes(
    conn: Connection, data: bytes, remote_path: str, *, mode: int | None = None
) -> int:
    """Write `data` to `remote_path` on the host; return bytes sent."""
    what = f"{len(data)} bytes -> {conn.host.name}:{remote_path}"
    return _put(conn, io.BytesIO(data), remote_path, mode, what)


def download(conn: Connection, remote_path: str, local_path: str | Path) -> int:
    """Copy `remote_path` from the host to a local file; return bytes received."""
    local = Path(local_path)
    partial = local.with_name(f".{local.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        conn.sftp().get(remote_path, str(partial))
        partial.replace(local)
    except _SFTP_ERRORS as e:
        partial.unlink(missing_ok=True)
        raise _error(conn, f"download {conn.host.name}:{remote_path} -> {local}", e) from e
    return local.stat().st_size


def _put(conn: Connection, source, remote_path: str, mode: int | None, what: str) -> int:
    directory, name = posixpath.split(remote_path)
    if not name:
        raise TransferError(f"cannot upload {what}: remote path names a directory")
    partial = posixpath.join(directory, f".{name}.{uuid.uuid4().hex[:8]}.part")
    sftp = None
    counters.count(conn.host.name, uploads=1)
    try:
        sftp = conn.sftp()
        attributes = sftp.putfo(source, partial, confirm=True)
        if mode is not None:
            sftp.chmod(partial, mode)
        sftp.posix_rename(partial, remote_path)
    except _SFTP_ERRORS as e:
        if sftp is not None and conn.alive:
            try:
                sftp.remove(partial)
            except _SFTP_ERRORS:
                pass
        raise _error(conn, f"upload {what}", e) from e
    return attributes.st_size


def _error(conn: Connection, what: str, error: BaseException) -> Exception:
    if not conn.alive:
        return ConnectionLost(f"cannot {what}: connection lost ({error})")
    if isinstance(error, FileNotFoundError):
        return TransferError(f"cannot {what}: no such file or directory")
    if isinstance(error, PermissionError):
        return TransferError(f"cannot {what}: permission denied")
    return TransferError(f"cannot {what}: {error}")


def read_remote(conn: Connection, remote_path: str, *, limit: int = 1 << 20) -> bytes | None:
    """The bytes of a (small) file on the host, or None when there is no such file."""
    try:
        with conn.sftp().open(remote_path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        return None
    except _SFTP_ERRORS as e:
        raise _error(conn, f"read {conn.host.name}:{remote_path}", e) from e
    if len(data) > limit:
        raise TransferError(f"cannot read {conn.host.name}:{remote_path}: larger than {limit} bytes")
    return data


def list_remote(conn: Connection, remote_path: str) -> list[str] | None:
    """The names in a directory on the host, or None when there is no such directory."""
    try:
        return conn.sftp().listdir(remote_path)
    except FileNotFoundError:
        return None
    except _SFTP_ERRORS as e:
        raise _error(conn, f"list {conn.host.name}:{remote_path}", e) from e


def make_remote_dirs(conn: Connection, remote_path: str) -> None:
    """`mkdir -p` over SFTP (the server's umask applies to what it makes)."""
    sftp, missing, path = conn.sftp(), [], posixpath.normpath(remote_path)
    try:
        while path not in ("/", ""):
            try:
                sftp.stat(path)
                break
            except FileNotFoundError:
                missing.append(path)
                path = posixpath.dirname(path)
        for directory in reversed(missing):
            try:
                sftp.mkdir(directory)
            except OSError:
                sftp.stat(directory)  # made meanwhile by someone else: fine; else the stat raises
    except _SFTP_ERRORS as e:
        raise _error(conn, f"make {conn.host.name}:{remote_path}", e) from e
