"""Sample web app for globex (development), deployed by vend. Standard library only.

Its settings come from the env file vend writes on every instance before each deployment
(`vend config set ...`, and DATABASE_URL when the environment has a database).
"""
import os
import re
import subprocess
import sys
from pathlib import Path
from wsgiref.simple_server import make_server

HEALTH_PATH = "/health"
VERSION_FILE = Path(__file__).with_name("VERSION")
ENV_FILE = Path(os.environ.get("VEND_ENV_FILE", "/etc/vend/app.env"))
LINE = re.compile(r"^([A-Z_][A-Z0-9_]*)='(.*)'$")


def vend_env(path=ENV_FILE):
    """The env file's variables (one KEY='value' line each, shell single quoting)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    return {m.group(1): m.group(2).replace("'\\''", "'") for m in map(LINE.match, lines) if m}


def version():
    return VERSION_FILE.read_text().strip() if VERSION_FILE.exists() else "unversioned"


def database_answers(url):
    """SELECT 1 through psql (the PostgreSQL client in the image); the URL goes in the environment.
    Other engines are not checked by this starter."""
    if not url.startswith("postgresql://"):
        return True
    try:
        done = subprocess.run(["psql", "-XAtq", "-c", "SELECT 1"], env=dict(os.environ, PGCONNECT_TIMEOUT="3",
                              PGDATABASE=url), capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == "1"


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    env = vend_env()
    status = "200 OK"
    if path == HEALTH_PATH:
        if env.get("DATABASE_URL") and not database_answers(env["DATABASE_URL"]):
            status, body = "503 Service Unavailable", b"database not answering\n"
        else:
            body = b"ok (database answers)\n" if env.get("DATABASE_URL") else b"ok\n"
    else:
        shown = "".join(f"{k}={env.get(k, '')}\n" for k in env.get("VEND_CONFIG_VARS", "").split())
        body = f"Hello from globex (development), version {version()}\n{shown}".encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("PORT", "8080"))
    with make_server("0.0.0.0", port, app) as server:
        server.serve_forever()
