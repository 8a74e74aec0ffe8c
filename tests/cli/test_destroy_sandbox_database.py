"""`vend destroy` in the sandbox: the environment's PostgreSQL server (the RDS instance's
stand-in) goes by RDS's final snapshot rule, also when the stack is already gone from the
emulator (a re-run): production keeps a dump and says where, elsewhere the data goes."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from vendor.aws.database_access import DatabaseLogin
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.cli.stack import destroy
from vendor.sandbox import daemons, database, emulator

pytestmark = [pytest.mark.root, pytest.mark.skipif(os.geteuid() != 0 or database.missing() is not None,
                                                   reason=database.missing() or "needs root")]
CONFIGS = Path(__file__).with_name("configs")  # umbrella-*: a database, no certificate to stand in for


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    state = tmp_path / "state"
    running, _ = emulator.start(state)
    key, secret = DUMMY_CREDENTIALS
    for name, value in (("VEND_STATE_DIR", str(state)), ("AWS_ENDPOINT_URL", running.url),
                        ("AWS_ACCESS_KEY_ID", key), ("AWS_SECRET_ACCESS_KEY", secret)):
        monkeypatch.setenv(name, value)
    try:
        yield state
    finally:
        for server in database.load_all(state):
            database.stop(state, server.slug)
        emulator.stop(state)


def _server(state: Path, slug: str, prefix: str) -> database.Server:
    port = daemons.free_port()
    login = DatabaseLogin("postgres", "h", port, "shop", "vend_admin", "pw-destroy", "arn:secret")
    server, _ = database.ensure(state, slug, prefix, "127.0.0.1", "127.0.0.0/8", login)
    result = subprocess.run(["psql", "-XAtq", "-h", "127.0.0.1", "-p", str(port), "-U", "vend_admin", "-d", "shop", "-c",
                             "CREATE TABLE orders (id int); INSERT INTO orders VALUES (2001)"],
                            env={**os.environ, "PGPASSWORD": "pw-destroy"}, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return server


def test_destroy_rerun_keeps_a_dump_of_production_and_drops_staging_data(sandbox):
    state = sandbox
    production = _server(state, "umbrella-production", "vt18xp")
    shown = CliRunner().invoke(destroy, [str(CONFIGS / "umbrella-production.yaml"), "--yes"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "Nothing to destroy for umbrella-production in eu-west-1."
    prefix = f"Sandbox PostgreSQL of umbrella-production stopped; database shop kept as a dump at {state}/sandbox-databases/snapshots/vend-umbrella-production-final-"
    assert lines[1].startswith(prefix) and lines[1].endswith(".sql (where RDS keeps the final snapshot)"), lines
    dump = Path(lines[1][len("Sandbox PostgreSQL of umbrella-production stopped; database shop kept as a dump at "):].split(" ")[0])
    assert "COPY public.orders (id) FROM stdin;\n2001\n" in dump.read_text()
    assert not Path(production.data_dir).exists() and database.load(state, "umbrella-production") is None

    staging = _server(state, "umbrella-staging", "vt18xs")
    shown = CliRunner().invoke(destroy, [str(CONFIGS / "umbrella-staging.yaml"), "--yes"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[1] == (
        "Sandbox PostgreSQL of umbrella-staging stopped and its data deleted (RDS keeps no final snapshot outside production)")
    assert not Path(staging.data_dir).exists() and [p.name for p in dump.parent.iterdir()] == [dump.name]
