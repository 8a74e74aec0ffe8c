import os
import sqlite3
import stat
import threading

import pytest

from vendor.approvals.model import (APPROVED, EXPIRED, PENDING, REJECTED, ApprovalRequest, Decision,
                                    PipelineRef, Summary, link_deadline)
from vendor.approvals.store import Store, StoreError

T = 1_700_000_000.0


def _request(rid="apr-1", pipeline=None):
    return ApprovalRequest(rid, "acme", "production", ("ann@example.com", "bob@example.com"),
                           Summary("r42", "abc123", "ami-1", ("fix login", "bump php")), T, T + 3600,
                           pipeline)


def test_round_trip(store):
    ref = PipelineRef("acme-prod", "Approve", "Manual", "tok-1")
    store.add(_request(pipeline=ref))
    got = store.get("apr-1")
    assert got == _request(pipeline=ref)
    assert store.get("apr-nope") is None
    assert store.pending(T) == [got] and store.pending(T + 3600) == []


def test_round_trip_of_a_plan_and_of_a_request_stored_before_plans(store):
    planned = ApprovalRequest("apr-2", "acme", "production", ("ann@example.com",),
                              Summary(commit="abc123", plan=("Plan for acme/production:", "  ~ update x")), T, T + 3600)
    store.add(planned)
    assert store.get("apr-2") == planned
    store.add(_request("apr-3"))
    with store._connect() as db:  # a row written before summaries had a plan
        db.execute("UPDATE requests SET summary = ? WHERE id = 'apr-3'",
                   ('{"revision": "r42", "commit": "abc123", "ami": "ami-1", "changes": [], "details_url": ""}',))
    assert store.get("apr-3").summary == Summary("r42", "abc123", "ami-1")


def test_only_one_of_many_concurrent_deciders_wins(store):
    store.add(_request())
    wins = []

    def decide(i):
        d = Decision("apr-1", APPROVED if i % 2 else REJECTED, f"p{i}@x.io", T + 1, "test", "web")
        if store.decide(d, T + 1):
            wins.append(d)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert store.get("apr-1").decision == wins[0]


def test_no_decision_after_expiry_and_expire_marks_it(store):
    store.add(_request())
    late = Decision("apr-1", APPROVED, "ann@example.com", T + 3600, "test", "web")
    assert not store.decide(late, T + 3600)
    assert not store.expire("apr-1", T + 3599)
    assert store.expire("apr-1", T + 3600)
    got = store.get("apr-1")
    assert (got.status, got.decision.via) == (EXPIRED, "timeout")
    assert not store.expire("apr-1", T + 3601)


def test_undo_reopens_only_that_decision(store):
    store.add(_request())
    d = Decision("apr-1", APPROVED, "ann@example.com", T + 5, "127.0.0.1", "web", "ok", "L1")
    assert store.decide(d, T + 5)
    assert not store.undo(Decision("apr-1", APPROVED, "bob@example.com", T + 5, "x", "web"))
    assert store.undo(d)
    assert store.get("apr-1").status == PENDING and store.get("apr-1").decision is None


def test_store_is_shared_between_instances(settings):
    Store(settings.db_path).add(_request())
    assert Store(settings.db_path).get("apr-1").customer == "acme"


def test_links_expire_before_the_approval():
    assert link_deadline(T, T + 7 * 86400) == T + 7 * 86400 - 900
    assert link_deadline(T, T + 600) == T + 540


def test_corrupt_database_is_a_store_error_naming_the_file(tmp_path):
    """A file that is not an SQLite database gives a StoreError naming it and the fix (no sqlite traceback)."""
    db = tmp_path / "approvals.sqlite3"
    db.write_bytes(b"\x00garbage" * 512)
    with pytest.raises(StoreError) as e:
        Store(db).list()
    assert str(e.value) == (f"{db} is not a readable approvals database (file is not a database); move it aside "
                            f"to start afresh (pending requests in it are lost): mv {db} {db}.corrupt")


def test_unreadable_request_is_skipped_and_named(store):
    """A request row whose fields cannot be read is skipped with a warning naming the database and request."""
    warnings: list[str] = []
    store.warn = warnings.append
    good = store.add(ApprovalRequest("apr-good", "acme", "production", ("ann@example.com",), Summary("r1"), 1.0, 9e9))
    store.add(ApprovalRequest("apr-bad", "acme", "production", ("ann@example.com",), Summary("r2"), 2.0, 9e9))
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE requests SET summary = '{\"revision\": \"r2\", \"chan' WHERE id = 'apr-bad'")
    assert [r.id for r in store.list()] == [good.id]
    assert store.get("apr-bad") is None
    assert warnings == [f"{store.path}: request apr-bad cannot be read (a field is damaged); skipped"] * 2


def test_database_and_its_directory_are_private(tmp_path):
    """The approvals database (and its -wal/-shm) is 0600 in a directory made 0700, whatever the umask."""
    old = os.umask(0o022)
    try:
        store = Store(tmp_path / "state" / "approvals.sqlite3")
        store.add(ApprovalRequest("apr-1", "acme", "production", ("ann@example.com",), Summary("r1"), 1.0, 9e9))
        with sqlite3.connect(store.path) as held:  # while a connection is open, its -wal and -shm exist
            held.execute("SELECT count(*) FROM requests").fetchone()
            modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode))
                     for p in [tmp_path / "state", *(tmp_path / "state").iterdir()]}
    finally:
        os.umask(old)
    assert modes == {"state": "0o700", "approvals.sqlite3": "0o600", "approvals.sqlite3-wal": "0o600",
                     "approvals.sqlite3-shm": "0o600"}
