"""Sample web app for globex (development), deployed by vend. Standard library only."""
import os
import sys
from pathlib import Path
from wsgiref.simple_server import make_server

HEALTH_PATH = "/health"
VERSION_FILE = Path(__file__).with_name("VERSION")


def version():
    return VERSION_FILE.read_text().strip() if VERSION_FILE.exists() else "unversioned"


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == HEALTH_PATH:
        body = b"ok\n"
    else:
        body = f"Hello from globex (development), version {version()}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("PORT", "8080"))
    with make_server("0.0.0.0", port, app) as server:
        server.serve_forever()
