"""What it takes to reach one machine over SSH: an EC2 instance or a local sandbox host."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Host:
    """One SSH-reachable machine.

    `known_hosts` (OpenSSH format) pins the host key when given; without it the key the host
    presents on first contact is trusted for that connection only (nothing is written anywhere).
    """

    name: str
    address: str
    port: int
    user: str
    key_path: Path
    known_hosts: Path | None = None

    @property
    def target(self) -> str:
        """`user@address:port`, for messages."""
        return f"{self.user}@{self.address}:{self.port}"

    def __str__(self) -> str:
        return f"{self.name} ({self.target})"
