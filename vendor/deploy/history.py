"""Per deployment group: the lock (one deployment at a time), the release history, the audit log
and the bundles of past revisions (for rollback). Kept in the state directory."""
from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import time
from pathlib import Path

from vendor.processes import alive


class DeploymentLocked(Exception):
    pass


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())



class GroupState:
    def __init__(self, state_dir: Path, group: str):
        self.group = group
        self.dir = Path(state_dir) / "deployments" / group
        self.dir.mkdir(parents=True, exist_ok=True)
        self.lock_path = self.dir / "lock.json"

    # -- lock ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, what: str, who: str | None = None):
        holder = {"who": who or getpass.getuser(), "host": socket.gethostname(), "pid": os.getpid(),
                  "since": _now(), "what": what}
        for _ in range(2):
            try:
                fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                break
            except FileExistsError:
                current = self._holder()
                if current and current.get("host") == holder["host"] and not alive(current.get("pid", 0)):
                    self.lock_path.unlink(missing_ok=True)  # left by a process that died
                    continue
                raise DeploymentLocked(
                    f"deployment group {self.group} is busy: {current.get('who')} on {current.get('host')} "
                    f"(pid {current.get('pid')}) has been deploying {current.get('what')} since {current.get('since')}")
        else:
            raise DeploymentLocked(f"deployment group {self.group} is busy")
        with os.fdopen(fd, "w") as f:
            json.dump(holder, f)
        self.audit("lock", **holder)
        try:
            yield holder
        finally:
            self.lock_path.unlink(missing_ok=True)
            self.audit("unlock", who=holder["who"], what=what)

    def _holder(self) -> dict:
        try:
            return json.loads(self.lock_path.read_text())
        except (OSError, ValueError):
            return {}

    # -- history and audit ------------------------------------------------------------------

    def _append(self, name: str, entry: dict) -> None:
        with open(self.dir / name, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")

    def audit(self, event: str, **fields) -> None:
        self._append("audit.jsonl", {"at": _now(), "event": event, **fields})

    def record(self, entry: dict) -> None:
        self._append("releases.jsonl", {"at": _now(), **entry})

    def releases(self) -> list[dict]:
        path = self.dir / "releases.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def last_good(self) -> dict | None:
        return next((r for r in reversed(self.releases()) if r["status"] == "Succeeded"), None)

    # -- bundles ----------------------------------------------------------------------------

    def keep_bundle(self, revision: str, data: bytes) -> None:
        path = self.dir / "revisions" / f"{revision}.tar.gz"
        path.parent.mkdir(exist_ok=True)
        if not path.exists():
            path.write_bytes(data)

    def bundle(self, revision: str) -> bytes:
        path = self.dir / "revisions" / f"{revision}.tar.gz"
        if not path.exists():
            raise FileNotFoundError(f"revision {revision} of {self.group} is not kept here")
        return path.read_bytes()
