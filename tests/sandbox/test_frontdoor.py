"""The local front door routes real HTTP requests like the listener rules, across healthy targets."""
from __future__ import annotations

import http.server
import socket
import threading
import urllib.request

import pytest

from vendor.sandbox.frontdoor import FrontDoor, Route


def _backend(name: str):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"{name} {self.headers['X-Forwarded-Host']} {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def backends():
    servers = [_backend("a"), _backend("b"), _backend("c")]
    yield [("127.0.0.1", s.server_address[1]) for s in servers]
    for s in servers:
        s.shutdown()


def _get(door, host, path="/"):
    request = urllib.request.Request(door.url + path, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_routes_by_host_and_path_round_robin(backends):
    a, b, c = backends
    routes = [Route(10, ("shop.example.com",), (), (a, b)), Route(20, (), ("/globex/*",), (c,))]
    with FrontDoor(lambda: routes) as door:
        answers = {_get(door, "shop.example.com", "/x")[1] for _ in range(4)}
        assert answers == {"a shop.example.com /x", "b shop.example.com /x"}
        assert _get(door, "anything.test", "/globex/app") == (200, "c anything.test /globex/app")
        assert _get(door, "unknown.test", "/") == (503, "host not found\n")


def test_a_refusing_target_is_skipped(backends):
    a = backends[0]
    dead = ("127.0.0.1", _free_port())
    with FrontDoor(lambda: [Route(1, ("shop.example.com",), (), (dead, a))]) as door:
        assert all(_get(door, "shop.example.com")[0] == 200 for _ in range(6))


def test_no_targets_is_503():
    with FrontDoor(lambda: [Route(1, ("shop.example.com",), (), ())]) as door:
        assert _get(door, "shop.example.com") == (503, "no healthy targets\n")
