"""A real PostgreSQL server per sandbox environment, standing in for its RDS instance.

`vend up` starts it on the environment's bridge address (the hosts' gateway, 10.214.<slot>.1) at
the port the emulator gives the RDS endpoint, with the database name, master user and the
password RDS keeps in Secrets Manager (read from the emulator, set again at every `vend up`, so a
rotation is picked up). The data directory outlives the server: a converging `vend up` keeps the
data; `vend down` stops the server and removes it (the emulator's RDS instance goes with it).
`vend destroy` follows RDS's final snapshot rule: where RDS keeps a final snapshot (production),
the database is dumped first (`pg_dump --create`, plain SQL, to
`<state dir>/sandbox-databases/snapshots/<snapshot name>.sql`, mode 0600); otherwise the data goes.

Recorded in `<state dir>/sandbox-databases/<slug>.json`; the env file points the app here.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from vendor.aws.database_access import DatabaseLogin

DIR = "sandbox-databases"
OS_USER = "postgres"
START_TIMEOUT = 30


class DatabaseServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Server:
    slug: str
    data_dir: str
    address: str
    port: int

    @property
    def endpoint(self) -> tuple[str, int]:
        return self.address, self.port


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def missing() -> str | None:
    """Why no local PostgreSQL can run here (None when it can)."""
    if pg_bin() is None:
        return "PostgreSQL is not installed (scripts/setup installs the Debian package postgresql)"
    if shutil.which("runuser") is None:
        return "runuser not found (util-linux)"
    return None


def _record(state_dir: Path, slug: str) -> Path:
    return Path(state_dir) / DIR / f"{slug}.json"


def load(state_dir: Path, slug: str) -> Server | None:
    try:
        return Server(**json.loads(_record(state_dir, slug).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def load_all(state_dir: Path) -> list[Server]:
    found = (load(state_dir, p.stem) for p in sorted((Path(state_dir) / DIR).glob("*.json")))
    return [s for s in found if s is not None]


def endpoint(state_dir: Path, slug: str) -> tuple[str, int] | None:
    server = load(state_dir, slug)
    return server.endpoint if server else None


def answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=1):
            return True
    except OSError:
        return False


def _as_postgres(argv: list[str], *, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", OS_USER, "--", *argv], input=stdin, capture_output=True, text=True,
                          timeout=timeout, stdin=None if stdin is not None else subprocess.DEVNULL,
                          start_new_session=True)


def _check(result: subprocess.CompletedProcess, what: str) -> None:
    if result.returncode != 0:
        raise DatabaseServerError(f"{what} failed: {(result.stderr or result.stdout).strip()[-500:]}")


def _running(server: Server) -> bool:
    return _as_postgres([str(pg_bin() / "pg_ctl"), "status", "-D", server.data_dir]).returncode == 0


def _init(server: Server, subnet: str) -> None:
    data = Path(server.data_dir)
    if data.exists():
        shutil.rmtree(data)  # left by an environment this state dir no longer knows
    data.mkdir(mode=0o700)
    shutil.chown(data, OS_USER, OS_USER)
    _check(_as_postgres([str(pg_bin() / "initdb"), "-D", str(data), "-U", OS_USER, "-E", "UTF8",
                         "--auth-local=peer", "--auth-host=scram-sha-256", "--no-instructions"], timeout=120), "initdb")
    hba = data / "pg_hba.conf"
    hba.write_text(f"# vend sandbox: the admin over the socket, the environment's hosts with a password\n"
                   f"local all {OS_USER} peer\nhost all all {subnet} scram-sha-256\n")
    shutil.chown(hba, OS_USER, OS_USER)


def _start(server: Server) -> None:
    options = (f"-c listen_addresses={server.address} -c port={server.port} "
               f"-c unix_socket_directories={server.data_dir} -c password_encryption=scram-sha-256")
    _check(_as_postgres([str(pg_bin() / "pg_ctl"), "start", "-D", server.data_dir, "-w", "-t", str(START_TIMEOUT),
                         "-l", str(Path(server.data_dir) / "server.log"), "-o", options], timeout=START_TIMEOUT + 10),
           f"starting PostgreSQL for {server.slug}")


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _login_setup(server: Server, login: DatabaseLogin) -> None:
    """The master user with the secret's password, and the initial database (SQL on stdin: the
    password is never in an argument list or a log)."""
    user, name = login.user, login.name or login.user
    sql = (f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_sql_literal(user)}) THEN "
           f"CREATE ROLE {_ident(user)} LOGIN CREATEDB; END IF; END $$;\n"
           f"ALTER ROLE {_ident(user)} LOGIN PASSWORD {_sql_literal(login.password)};\n"
           f"SELECT 'CREATE DATABASE {_ident(name)} OWNER {_ident(user)}' WHERE NOT EXISTS "
           f"(SELECT FROM pg_database WHERE datname = {_sql_literal(name)})\\gexec\n")
    _check(_as_postgres([str(pg_bin() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", server.data_dir,
                         "-p", str(server.port), "-U", OS_USER, "-d", "postgres"], stdin=sql),
           f"setting up the master user of {server.slug}")


def ensure(state_dir: Path, slug: str, prefix: str, gateway: str, subnet: str,
           login: DatabaseLogin) -> tuple[Server, bool]:
    """(the server, True if started now). Keeps a running server and any existing data."""
    if login.engine != "postgres":
        raise DatabaseServerError(f"the sandbox runs PostgreSQL only; {login.engine} is not emulated yet")
    problem = missing()
    if problem:
        raise DatabaseServerError(problem)
    server = Server(slug, str(Path(tempfile.gettempdir()) / f"{prefix}-db"), gateway, login.port)
    known = load(state_dir, slug)
    started = False
    if known != server or not (Path(server.data_dir) / "PG_VERSION").exists():
        if known and known.data_dir != server.data_dir:
            stop(state_dir, slug)
        _init(server, subnet)
    if not (_running(server) and answers(server.address, server.port)):
        if _running(server):  # the bridge was rebuilt under it: start again on the new link
            _check(_as_postgres([str(pg_bin() / "pg_ctl"), "stop", "-D", server.data_dir, "-m", "fast", "-w"]),
                   "restarting PostgreSQL")
        _start(server)
        started = True
    _login_setup(server, login)
    path = _record(state_dir, slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(server), indent=2))
    return server, started


def stop(state_dir: Path, slug: str) -> Server | None:
    """Stop the environment's server and remove its data (None when it had none)."""
    server = load(state_dir, slug)
    if server is None:
        return None
    if pg_bin() and Path(server.data_dir).exists() and _running(server):
        _as_postgres([str(pg_bin() / "pg_ctl"), "stop", "-D", server.data_dir, "-m", "fast", "-w"])
    shutil.rmtree(server.data_dir, ignore_errors=True)
    _record(state_dir, slug).unlink(missing_ok=True)
    return server


def snapshots_dir(state_dir: Path) -> Path:
    return Path(state_dir) / DIR / "snapshots"


def dump(server: Server, db_name: str, path: Path, timeout: float = 600) -> Path:
    """The database as plain SQL (`pg_dump --create`) in a new file only root reads."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        result = subprocess.run(["runuser", "-u", OS_USER, "--", str(pg_bin() / "pg_dump"), "--create", "-h", server.data_dir,
                                 "-p", str(server.port), "-U", OS_USER, "-d", db_name], stdout=out,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=timeout, start_new_session=True)
    if result.returncode != 0:
        path.unlink(missing_ok=True)
        raise DatabaseServerError(f"dumping database {db_name} of {server.slug} failed (its data is kept): "
                                  f"{result.stderr.decode(errors='replace').strip()[-500:]}")
    return path


def destroy(state_dir: Path, slug: str, db_name: str, *, final_snapshot: str | None) -> tuple[Server | None, Path | None]:
    """As RDS deletes an instance: with `final_snapshot` (its name) the database is dumped first,
    then the server stops and its data goes; without, the data just goes. (server, dump) or
    (None, None) when the environment has no server. A failed dump keeps everything."""
    server = load(state_dir, slug)
    if server is None:
        return None, None
    kept = None
    if final_snapshot and (Path(server.data_dir) / "PG_VERSION").exists():  # no data directory: nothing to keep
        if not _running(server):
            _start(server)
        kept = dump(server, db_name, snapshots_dir(state_dir) / f"{final_snapshot}.sql")
    stop(state_dir, slug)
    return server, kept
