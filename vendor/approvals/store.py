"""Approval requests in sqlite, shared by the pipeline runner's gate, the web app and the CLI.

Each call opens its own short connection (safe across threads and processes). A decision is a
single conditional UPDATE (`WHERE status = 'pending' AND expires_at > now`), so exactly one of
any number of concurrent deciders wins. The database and its directory are private (0600 /
0700); a damaged database is a StoreError naming the file, a damaged request is skipped and named.
"""
from __future__ import annotations

import json
import os
import secrets
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

from vendor.approvals.model import (APPROVED, EXPIRED, PENDING, REJECTED, ApprovalRequest,
                                    Decision, PipelineRef, Summary)
from vendor.state import Warn, private_dir, warn_on_stderr

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    customer TEXT NOT NULL,
    environment TEXT NOT NULL,
    approvers TEXT NOT NULL,
    summary TEXT NOT NULL,
    pipeline TEXT,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at REAL,
    decided_from TEXT,
    decided_via TEXT,
    comment TEXT,
    link_id TEXT
);
CREATE INDEX IF NOT EXISTS requests_status ON requests (status, created_at);
"""


class DuplicateRequest(Exception):
    """A request with this id exists already (a notification delivered twice opens one request)."""


def new_id() -> str:
    return "apr-" + secrets.token_hex(5)


class StoreError(Exception):
    """The database cannot be used; the message names the file and what to do."""


class Store:
    def __init__(self, path: str | Path, *, warn: Warn = warn_on_stderr):
        self.path = Path(path)
        self.warn = warn
        private_dir(self.path.parent)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))  # its -wal/-shm follow its mode
        with self._db(write=True) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A short connection; a damaged database becomes a StoreError naming the file."""
        try:
            with closing(self._connect()) as db:
                if write:
                    with db:
                        yield db
                else:
                    yield db
        except sqlite3.DatabaseError as e:
            if isinstance(e, (sqlite3.IntegrityError, sqlite3.ProgrammingError)) or "locked" in str(e):
                raise
            raise StoreError(f"{self.path} is not a readable approvals database ({e}); move it aside to start "
                             f"afresh (pending requests in it are lost): mv {self.path} {self.path}.corrupt") from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10.0)
        db.row_factory = sqlite3.Row
        return db

    def _request(self, row: sqlite3.Row) -> ApprovalRequest | None:
        try:
            return _from_row(row)
        except (ValueError, TypeError, KeyError, AttributeError):
            self.warn(f"{self.path}: request {row['id']} cannot be read (a field is damaged); skipped")
            return None

    def add(self, request: ApprovalRequest) -> ApprovalRequest:
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM requests WHERE id = ?", (request.id,)).fetchone():
                raise DuplicateRequest(f"approval request {request.id} exists already")
            db.execute(
                "INSERT INTO requests (id, customer, environment, approvers, summary, pipeline,"
                " created_at, expires_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (request.id, request.customer, request.environment, json.dumps(list(request.approvers)),
                 json.dumps(asdict(request.summary)),
                 json.dumps(asdict(request.pipeline)) if request.pipeline else None,
                 request.created_at, request.expires_at, PENDING))
        return request

    def get(self, request_id: str) -> ApprovalRequest | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM requests WHERE id = ?", (request_id,)).fetchone()
        return self._request(row) if row else None

    def list(self, *, status: str | None = None, limit: int = 100) -> list[ApprovalRequest]:
        query, args = "SELECT * FROM requests", []
        if status:
            query, args = query + " WHERE status = ?", [status]
        with self._db() as db:
            rows = db.execute(query + " ORDER BY created_at DESC LIMIT ?", (*args, limit)).fetchall()
        return [r for r in map(self._request, rows) if r is not None]

    def pending(self, now: float) -> list[ApprovalRequest]:
        return [r for r in self.list(status=PENDING) if r.is_open(now)]

    def decide(self, decision: Decision, now: float) -> bool:
        """Record `decision` if the request is still open; True if this call decided it."""
        if decision.status not in (APPROVED, REJECTED):
            raise ValueError(f"a decision approves or rejects, not {decision.status!r}")
        with self._db(write=True) as db:
            cur = db.execute(
                "UPDATE requests SET status = ?, decided_by = ?, decided_at = ?, decided_from = ?,"
                " decided_via = ?, comment = ?, link_id = ?"
                " WHERE id = ? AND status = ? AND expires_at > ?",
                (decision.status, decision.by, decision.at, decision.source, decision.via,
                 decision.comment, decision.link_id, decision.request_id, PENDING, now))
            return cur.rowcount == 1

    def undo(self, decision: Decision) -> bool:
        """Reopen a request whose decision could not be delivered (e.g. CodePipeline refused it)."""
        with self._db(write=True) as db:
            cur = db.execute(
                "UPDATE requests SET status = ?, decided_by = NULL, decided_at = NULL,"
                " decided_from = NULL, decided_via = NULL, comment = NULL, link_id = NULL"
                " WHERE id = ? AND status = ? AND decided_at = ? AND decided_by = ?",
                (PENDING, decision.request_id, decision.status, decision.at, decision.by))
            return cur.rowcount == 1

    def expire(self, request_id: str, now: float) -> bool:
        """Mark a pending request whose time is up as expired; True if this call did it."""
        with self._db(write=True) as db:
            cur = db.execute(
                "UPDATE requests SET status = ?, decided_by = 'nobody', decided_at = ?,"
                " decided_from = 'timeout', decided_via = 'timeout', comment = ''"
                " WHERE id = ? AND status = ? AND expires_at <= ?",
                (EXPIRED, now, request_id, PENDING, now))
            return cur.rowcount == 1


def _from_row(row: sqlite3.Row) -> ApprovalRequest:
    decision = None
    if row["status"] != PENDING:
        decision = Decision(row["id"], row["status"], row["decided_by"] or "", row["decided_at"] or 0.0,
                            row["decided_from"] or "", row["decided_via"] or "", row["comment"] or "",
                            row["link_id"] or "")
    summary = json.loads(row["summary"])
    summary["changes"] = tuple(summary.get("changes", ()))
    summary["plan"] = tuple(summary.get("plan", ()))
    pipeline = json.loads(row["pipeline"]) if row["pipeline"] else None
    return ApprovalRequest(
        id=row["id"], customer=row["customer"], environment=row["environment"],
        approvers=tuple(json.loads(row["approvers"])), summary=Summary(**summary),
        created_at=row["created_at"], expires_at=row["expires_at"],
        pipeline=PipelineRef(**pipeline) if pipeline else None, status=row["status"], decision=decision)
