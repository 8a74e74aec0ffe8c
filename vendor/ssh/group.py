"""A set of hosts with one connection each, and a helper to run a command on every one."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from vendor.ssh.connection import CONNECT_TIMEOUT, RETRY_FOR, Connection, connect
from vendor.ssh.errors import SSHError
from vendor.ssh.host import Host
from vendor.ssh.run import Result, run

GroupOutputCallback = Callable[[Host, str, str], None]  # (host, stream, line)


@dataclass(frozen=True)
class HostResult:
    """What one host answered: a Result, or the SSHError that prevented one."""

    host: Host
    result: Result | None = None
    error: SSHError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.result is not None and self.result.ok


class HostGroup:
    """Hosts addressed by name; connections are opened on first use and reopened if dropped."""

    def __init__(
        self,
        hosts: Iterable[Host],
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        retry_for: float = RETRY_FOR,
    ):
        self.hosts: tuple[Host, ...] = tuple(hosts)
        names = [h.name for h in self.hosts]
        if len(set(names)) != len(names):
            raise ValueError(f"host names must be unique, got {names}")
        self._connect_timeout = connect_timeout
        self._retry_for = retry_for
        self._connections: dict[str, Connection] = {}

    def host(self, name: str) -> Host:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(f"no host named {name!r} in this group")

    def connection(self, host: Host | str) -> Connection:
        name = host if isinstance(host, str) else host.name
        conn = self._connections.get(name)
        if conn is None or not conn.alive:
            if conn is not None:
                conn.close()
            conn = connect(
                self.host(name), timeout=self._connect_timeout, retry_for=self._retry_for
            )
            self._connections[name] = conn
        return conn

    def run(self, host: Host | str, argv: Sequence[str], **kwargs) -> Result:
        """`run(...)` on one host of the group (same keyword arguments)."""
        return run(self.connection(host), argv, **kwargs)

    def run_each(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        on_output: GroupOutputCallback | None = None,
        parallel: bool = False,
    ) -> list[HostResult]:
        """Run `argv` on every host (in order, or all at once with `parallel`).

        A host that cannot be reached or times out yields a HostResult with its error; the
        others still run. Results come back in the group's host order.
        """

        def one(host: Host) -> HostResult:
            callback = None if on_output is None else (lambda s, line: on_output(host, s, line))
            try:
                result = self.run(host, argv, timeout=timeout, env=env, on_output=callback)
            except SSHError as e:
                return HostResult(host, error=e)
            return HostResult(host, result=result)

        if not parallel or len(self.hosts) < 2:
            return [one(h) for h in self.hosts]
        with ThreadPoolExecutor(max_workers=len(self.hosts)) as pool:
            return list(pool.map(one, self.hosts))

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()

    def __enter__(self) -> HostGroup:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
