"""Put the environment's env file on one host: root-owned, readable by the app's group only (0640),
in a directory only that group may enter, replaced atomically."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass

from vendor.runtime.env_file import APP_GROUPS, PATH
from vendor.ssh import Connection, run, upload_bytes

__all__ = ["APP_GROUPS", "EnvFile", "EnvFileFailed", "write"]


class EnvFileFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class EnvFile:
    text: str
    group: str = "root"
    path: str = PATH


def write(conn: Connection, env: EnvFile) -> None:
    folder = posixpath.dirname(env.path)
    temp = posixpath.join(folder, ".app.env.partial")
    prepare = run(conn, ["sh", "-c", 'set -e; umask 077; mkdir -p "$1"; chown root:"$2" "$1"; chmod 0750 "$1"; '
                         'rm -f "$3"; : > "$3"', "-", folder, env.group, temp], timeout=60)
    if not prepare.ok:
        raise EnvFileFailed(f"cannot prepare {folder}: {prepare.stderr.strip()}")
    upload_bytes(conn, env.text.encode(), temp, mode=0o600)
    done = run(conn, ["sh", "-c", 'set -e; chown root:"$2" "$1"; chmod 0640 "$1"; mv -f "$1" "$3"', "-",
                      temp, env.group, env.path], timeout=60)
    if not done.ok:
        raise EnvFileFailed(f"cannot install {env.path}: {done.stderr.strip()}")
