"""Per deployment group: the lock (one deployment at a time), the release history, the audit log
and the bundles of past revisions (for rollback). Kept in the state directory, private to the
user (0700 / 0600); a damaged history line is skipped and named, a damaged lock says which file
to remove."""
from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import re
import socket
import time
from pathlib import Path

from vendor.processes import alive
from vendor.state import Warn, append_private, private_dir, read_records, warn_on_stderr, write_private


class DeploymentLocked(Exception):
    pass


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _is_release(record: dict) -> bool:
    return isinstance(record.get("revision"), str) and isinstance(record.get("status"), str)


class GroupState:
    def __init__(self, state_dir: Path, group: str, *, warn: Warn = warn_on_stderr):
        self.group = group
        self.dir = private_dir(Path(state_dir) / "deployments" / group)
        self.lock_path = self.dir / "lock.json"
        self._warned: set[str] = set()
        self._warn = warn

    def warn(self, message: str) -> None:
        """Say each problem once per GroupState (the history is read more than once per command)."""
        if message not in self._warned:
            self._warned.add(message)
            self._warn(message)

    # -- lock ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, what: str, who: str | None = None):
        """Hold the group's lock: `lock.json` appears whole (written aside, then linked) or not at
        all. A lock left by a dead process on this machine is taken over; any other refuses with
        who holds it and which file to remove if they no longer do."""
        holder = {"who": who or getpass.getuser(), "host": socket.gethostname(), "pid": os.getpid(),
                  "since": _now(), "what": what}
        with self._guard():  # one process at a time decides whether a lock is stale
            if not write_private(self.lock_path, json.dumps(holder), replace=False):
                current, problem = self._holder()
                if problem:
                    raise DeploymentLocked(
                        f"deployment group {self.group} is locked by {self.lock_path}, which cannot be read "
                        f"({problem}); if no deployment of {self.group} is running, remove it: rm {self.lock_path}")
                if current["host"] != holder["host"] or alive(current["pid"]):
                    raise DeploymentLocked(
                        f"deployment group {self.group} is busy: {current['who']} on {current['host']} "
                        f"(pid {current['pid']}) has been deploying {current['what']} since {current['since']}; "
                        f"if that deployment is no longer running, remove {self.lock_path}")
                self.audit("stale-lock-removed", **current)  # left by a process that died
                self._record_interrupted(current, "was killed")
                write_private(self.lock_path, json.dumps(holder))
        self.audit("lock", **holder)
        try:
            yield holder
        except (KeyboardInterrupt, SystemExit):  # Ctrl-C, or SIGTERM turned into SystemExit
            self._record_interrupted(holder, "was interrupted")
            raise
        finally:
            self.lock_path.unlink(missing_ok=True)
            self.audit("unlock", who=holder["who"], what=what)

    def reap_stale_lock(self) -> None:
        """A lock left by a vend of this machine that died: its deployment is recorded as
        Interrupted and the lock removed (what the next deployment would do on taking it)."""
        if not self.lock_path.exists():
            return
        with self._guard():
            current, problem = self._holder()
            if problem or current["host"] != socket.gethostname() or alive(current["pid"]):
                return
            self.audit("stale-lock-removed", **current)
            self._record_interrupted(current, "was killed")
            self.lock_path.unlink(missing_ok=True)

    def _record_interrupted(self, holder: dict, how: str) -> None:
        """Record the deployment `holder` was running as Interrupted, with what the audit log says
        it had started (its id, revision and hosts)."""
        started = [e for e in self._audit_since(holder) if e.get("event") == "host-start"]
        ended = {e.get("host") for e in self._audit_since(holder) if e.get("event") == "host-end"}
        if any(r.get("status") == "Interrupted" and r.get("lock_since") == holder["since"]
               and r.get("pid") == holder["pid"] for r in self.releases()):
            return  # already recorded
        match = re.search(r"revision (\S+) \((\S+)\)", holder.get("what", ""))
        deployment_id = started[-1].get("deployment_id") if started else (match.group(2) if match else "-")
        revision = started[-1].get("revision") if started else (match.group(1) if match else "-")
        running = [e.get("host") for e in started if e.get("host") not in ended]
        where = f"; hooks may have been running on {', '.join(running)}" if running else ""
        self.record({"deployment_id": deployment_id, "revision": revision, "status": "Interrupted",
                     "message": f"vend (pid {holder['pid']} on {holder['host']}) {how} during {holder.get('what')}"
                                f"{where}", "hosts": [e.get("host") for e in started], "who": holder.get("who"),
                     "pid": holder["pid"], "lock_since": holder["since"]})

    def _audit_since(self, holder: dict) -> list[dict]:
        """Audit entries from `holder`'s taking of the lock on."""
        entries = list(read_records(self.dir / "audit.jsonl", lambda message: None, what="audit record",
                                    valid=lambda r: isinstance(r, dict)))
        start = next((i for i in range(len(entries) - 1, -1, -1) if entries[i].get("event") == "lock"
                      and entries[i].get("pid") == holder["pid"] and entries[i].get("since") == holder["since"]), None)
        return entries[start:] if start is not None else []

    @contextlib.contextmanager
    def _guard(self):
        fd = os.open(self.dir / ".lock.guard", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _holder(self) -> tuple[dict, str]:
        """(the lock's holder, "") or ({}, why it cannot be read)."""
        try:
            holder = json.loads(self.lock_path.read_bytes())
        except FileNotFoundError:
            return {}, "it vanished while being read"
        except OSError as e:
            return {}, e.strerror or str(e)
        except ValueError:
            return {}, "not JSON: a truncated write?"
        fields = {"who": str, "host": str, "pid": int, "since": str, "what": str}
        if not isinstance(holder, dict) or not all(isinstance(holder.get(k), t) for k, t in fields.items()):
            return {}, "fields missing or of the wrong type"
        return holder, ""

    # -- history and audit ------------------------------------------------------------------

    def _append(self, name: str, entry: dict) -> None:
        append_private(self.dir / name, json.dumps(entry, sort_keys=True))

    def audit(self, event: str, **fields) -> None:
        self._append("audit.jsonl", {"at": _now(), "event": event, **fields})

    def record(self, entry: dict) -> None:
        self._append("releases.jsonl", {"at": _now(), **entry})

    def releases(self) -> list[dict]:
        """The recorded deployments, oldest first; unreadable lines are skipped and named."""
        return list(read_records(self.dir / "releases.jsonl", self.warn, what="release record", valid=_is_release))

    def last_good(self) -> dict | None:
        return next((r for r in reversed(self.releases()) if r["status"] == "Succeeded"), None)

    # -- bundles ----------------------------------------------------------------------------

    def keep_bundle(self, revision: str, data: bytes) -> None:
        path = private_dir(self.dir / "revisions") / f"{revision}.tar.gz"
        if not path.exists():
            write_private(path, data)

    def bundle(self, revision: str) -> bytes:
        path = self.dir / "revisions" / f"{revision}.tar.gz"
        if not path.exists():
            raise FileNotFoundError(f"revision {revision} of {self.group} is not kept here")
        return path.read_bytes()
