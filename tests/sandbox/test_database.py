"""The sandbox's real PostgreSQL server standing in for an environment's RDS instance."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from vendor.aws.database_access import DatabaseLogin
from vendor.sandbox import daemons, database

pytestmark = [pytest.mark.root, pytest.mark.skipif(os.geteuid() != 0 or database.missing() is not None,
                                                   reason=database.missing() or "needs root")]


def _login(port: int, password: str) -> DatabaseLogin:
    return DatabaseLogin("postgres", "vend-dbtest.aaaaaaaaaa.eu-west-1.rds.amazonaws.com", port, "shop",
                         "vend_admin", password, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-x")


def _sql(port: int, password: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", "-XAtq", "-h", "127.0.0.1", "-p", str(port), "-U", "vend_admin", "-d", "shop",
                           "-c", sql], env={**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"},
                          capture_output=True, text=True, timeout=30)


def test_start_keep_data_pick_up_rotation_stop(tmp_path):
    port = daemons.free_port()
    state = tmp_path / "state"
    try:
        server, started = database.ensure(state, "dbtest-staging", "vt18db", "127.0.0.1", "127.0.0.0/8",
                                          _login(port, "first-Pw'1"))
        assert started and server.endpoint == ("127.0.0.1", port)
        assert database.endpoint(state, "dbtest-staging") == ("127.0.0.1", port)
        assert _sql(port, "first-Pw'1", "CREATE TABLE orders (id int); INSERT INTO orders VALUES (7)").returncode == 0

        again, started = database.ensure(state, "dbtest-staging", "vt18db", "127.0.0.1", "127.0.0.0/8",
                                         _login(port, "rotated-Pw2"))  # a converging vend up, after a rotation
        assert not started and again == server
        assert _sql(port, "rotated-Pw2", "SELECT id FROM orders").stdout == "7\n"  # the data survived
        refused = _sql(port, "first-Pw'1", "SELECT 1")
        assert refused.returncode != 0 and "password authentication failed" in refused.stderr
        log = (Path(server.data_dir) / "server.log").read_text()
        assert "first-Pw" not in log and "rotated-Pw2" not in log
    finally:
        stopped = database.stop(state, "dbtest-staging")
    assert stopped is not None and not Path(stopped.data_dir).exists()
    assert not database.answers("127.0.0.1", port) and database.load_all(state) == []


def test_only_postgres_is_emulated(tmp_path):
    login = DatabaseLogin("mysql", "h", 3306, "shop", "u", "p", "arn")
    with pytest.raises(database.DatabaseServerError) as e:
        database.ensure(tmp_path, "x-staging", "vt18dm", "127.0.0.1", "127.0.0.0/8", login)
    assert str(e.value) == "the sandbox runs PostgreSQL only; mysql is not emulated yet"


def test_destroy_keeps_a_dump_where_rds_keeps_a_final_snapshot_and_drops_the_data_otherwise(tmp_path):
    port = daemons.free_port()
    state = tmp_path / "state"
    try:
        server, _ = database.ensure(state, "dbtest-production", "vt18dp", "127.0.0.1", "127.0.0.0/8", _login(port, "pw-1"))
        assert _sql(port, "pw-1", "CREATE TABLE orders (id int); INSERT INTO orders VALUES (41), (42)").returncode == 0
        gone, dump = database.destroy(state, "dbtest-production", "shop", final_snapshot="vend-dbtest-production-final-20261201170000")
        assert gone == server and dump == state / "sandbox-databases" / "snapshots" / "vend-dbtest-production-final-20261201170000.sql"
        text = dump.read_text()
        assert "CREATE DATABASE shop" in text and "COPY public.orders (id) FROM stdin;\n41\n42\n\\.\n" in text
        assert "pw-1" not in text and dump.stat().st_mode & 0o777 == 0o600
        assert not Path(server.data_dir).exists() and not database.answers("127.0.0.1", port)
        assert database.load_all(state) == []

        port = daemons.free_port()  # not production: no final snapshot, the data goes
        server, _ = database.ensure(state, "dbtest-staging", "vt18ds", "127.0.0.1", "127.0.0.0/8", _login(port, "pw-2"))
        gone, dump = database.destroy(state, "dbtest-staging", "shop", final_snapshot=None)
        assert (gone, dump) == (server, None) and not Path(server.data_dir).exists()
        assert sorted(p.name for p in (state / "sandbox-databases" / "snapshots").iterdir()) == [
            "vend-dbtest-production-final-20261201170000.sql"]
        assert database.destroy(state, "dbtest-staging", "shop", final_snapshot=None) == (None, None)  # re-run: nothing left
    finally:
        database.stop(state, "dbtest-production")
        database.stop(state, "dbtest-staging")
