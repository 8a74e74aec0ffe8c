"""Everything that can go wrong talking to a host, as one small exception family."""
from __future__ import annotations


class SSHError(Exception):
    """Base class: a host could not be reached or a remote command could not complete."""


class ConnectError(SSHError):
    """No SSH session could be established (refused, unreachable, timed out, auth, host key)."""


class ConnectionLost(SSHError):
    """The connection dropped while a command or transfer was in progress (host died)."""


class CommandTimeout(SSHError):
    """A remote command ran past its timeout; its whole process group was killed.

    `stdout` and `stderr` hold what the command printed before it was killed.
    """

    def __init__(self, message: str, *, stdout: str = "", stderr: str = "", duration: float = 0.0):
        super().__init__(message)
        self.stdout = stdout
        self.stderr = stderr
        self.duration = duration


class TransferError(SSHError):
    """An SFTP upload or download failed."""
