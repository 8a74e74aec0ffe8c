"""Open SSH connections with a private key, a host-key policy and bounded retries.

This package is the only place that imports paramiko.
"""
from __future__ import annotations

import socket
import time

import paramiko

from vendor.ssh.errors import ConnectError, ConnectionLost
from vendor.ssh.host import Host

CONNECT_TIMEOUT = 10.0  # per attempt: TCP connect, banner and authentication each
RETRY_FOR = 10.0  # keep retrying transient failures this long (a booting host)
RETRY_INTERVAL = 0.2
KEEPALIVE = 15
SFTP_IO_TIMEOUT = 60.0  # longest wait for any single SFTP reply

# Failures that may go away by themselves: refused or unreachable (OSError, which includes
# paramiko's NoValidConnectionsError and socket timeouts), a connection cut during the
# handshake (EOFError), no banner yet (SSHException, handled below). Authentication and
# host-key failures are permanent and never retried.
_TRANSIENT = (OSError, EOFError)


class Connection:
    """One authenticated SSH session to a host; channels and SFTP are opened on demand."""

    def __init__(self, host: Host, client: paramiko.SSHClient):
        self.host = host
        self._client = client
        self._sftp: paramiko.SFTPClient | None = None

    @property
    def alive(self) -> bool:
        transport = self._client.get_transport()
        return transport is not None and transport.is_active()

    def open_session(self, timeout: float = CONNECT_TIMEOUT) -> paramiko.Channel:
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise ConnectionLost(f"connection to {self.host} is closed")
        try:
            return transport.open_session(timeout=timeout)
        except (paramiko.SSHException, EOFError, OSError) as e:
            raise ConnectionLost(f"cannot open a session on {self.host}: {e}") from e

    def sftp(self) -> paramiko.SFTPClient:
        if self._sftp is None or self._sftp.sock.closed:
            channel = self.open_session()
            channel.settimeout(SFTP_IO_TIMEOUT)  # a silent host fails a transfer, never hangs it
            channel.invoke_subsystem("sftp")
            self._sftp = paramiko.SFTPClient(channel)
        return self._sftp

    def close(self) -> None:
        if self._sftp is not None:
            self._sftp.close()
            self._sftp = None
        self._client.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Connection {self.host} {'open' if self.alive else 'closed'}>"


def connect(
    host: Host,
    *,
    timeout: float = CONNECT_TIMEOUT,
    retry_for: float = RETRY_FOR,
    retry_interval: float = RETRY_INTERVAL,
) -> Connection:
    """Connect and authenticate as `host.user` with `host.key_path` only (no agent, no password).

    Transient failures (refused, unreachable, no banner yet) are retried until `retry_for`
    seconds have passed; each attempt is bounded by `timeout`. Raises ConnectError naming the
    host and the last failure.
    """
    key = _load_key(host)
    deadline = time.monotonic() + retry_for
    attempts = 0
    while True:
        attempts += 1
        attempt_timeout = max(0.5, min(timeout, deadline - time.monotonic()))
        client = _client(host)
        try:
            client.connect(
                hostname=host.address,
                port=host.port,
                username=host.user,
                pkey=key,
                timeout=attempt_timeout,
                banner_timeout=attempt_timeout,
                auth_timeout=attempt_timeout,
                allow_agent=False,
                look_for_keys=False,
            )
        except paramiko.BadHostKeyException as e:
            client.close()
            raise ConnectError(
                f"{host}: host key does not match {host.known_hosts} ({e}); "
                "if the host was rebuilt, update its known_hosts entry"
            ) from e
        except paramiko.AuthenticationException as e:
            client.close()
            raise ConnectError(
                f"{host}: authentication as {host.user!r} with key {host.key_path} failed ({e})"
            ) from e
        except paramiko.SSHException as e:
            client.close()
            if "not found in known_hosts" in str(e):
                raise ConnectError(f"{host}: host key not in {host.known_hosts} ({e})") from e
            last = e
        except _TRANSIENT as e:
            client.close()
            last = e
        else:
            client.get_transport().set_keepalive(KEEPALIVE)
            return Connection(host, client)
        if time.monotonic() + retry_interval >= deadline:
            raise ConnectError(
                f"cannot connect to {host} after {attempts} attempt(s) in "
                f"{retry_for:g}s: {_describe(last)}"
            ) from last
        time.sleep(retry_interval)


def _client(host: Host) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    if host.known_hosts is not None:
        client.load_host_keys(str(host.known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
    else:
        # Trust on first use, in memory only: nothing is written to any known_hosts file.
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    return client


def _load_key(host: Host) -> paramiko.PKey:
    try:
        return paramiko.PKey.from_path(host.key_path)
    except (OSError, paramiko.SSHException, ValueError) as e:
        raise ConnectError(f"{host}: cannot read private key {host.key_path}: {e}") from e


def _describe(error: BaseException) -> str:
    if isinstance(error, paramiko.ssh_exception.NoValidConnectionsError):
        reasons = {str(e) for e in error.errors.values()}
        if all("refused" in r.lower() for r in reasons):
            return "connection refused (is sshd running?)"
        return "; ".join(sorted(reasons))
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timed out"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
