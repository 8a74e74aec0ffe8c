"""The local front door: an HTTP listener on 127.0.0.1 that routes like the ALB's listener rules.

Each request is matched to the rules by Host header and path (vendor.plan.alb_match), then sent
to one of that rule's healthy registered targets, in turn. A target that refuses the connection
is skipped for the next one (a host being replaced), so requests do not fail while healthy
targets remain. No rule: 503 `host not found`, the listener's default; no target: 503.
"""
from __future__ import annotations

import http.client
import http.server
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Callable

from vendor.plan.alb_match import route

HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade"}


@dataclass(frozen=True)
class Route:
    priority: int
    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    targets: tuple[tuple[str, int], ...]  # healthy registered (address, port)
    name: str = ""


class FrontDoor:
    def __init__(self, routes: Callable[[], list[Route]], *, host: str = "127.0.0.1", port: int = 0,
                 refresh: float = 0.5, timeout: float = 10.0):
        self._routes, self.refresh, self.timeout = routes, refresh, timeout
        self._cache: tuple[float, list[Route]] = (0.0, [])
        self._lock = threading.Lock()
        self._turn = itertools.count()
        self.server = http.server.ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FrontDoor":
        self._thread = threading.Thread(target=self.server.serve_forever, name="vend-front-door", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FrontDoor":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def routes(self, fresh: bool = False) -> list[Route]:
        with self._lock:
            at, cached = self._cache
            if fresh or time.monotonic() - at > self.refresh:
                cached = self._routes()
                self._cache = (time.monotonic(), cached)
            return cached

    def forward(self, method: str, path: str, headers: dict, body: bytes, client: str):
        host = headers.get("Host", "")
        matched = route(self.routes(), host, path)
        if matched is None:
            return 503, {"Content-Type": "text/plain"}, b"host not found\n"
        targets = list(matched.targets)
        if not targets:
            matched = route(self.routes(fresh=True), host, path)
            targets = list(matched.targets) if matched else []
        start = next(self._turn)
        for i in range(len(targets)):
            address, port = targets[(start + i) % len(targets)]
            forwarded = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS}
            forwarded.update({"X-Forwarded-For": client, "X-Forwarded-Proto": "http", "X-Forwarded-Host": host})
            conn = http.client.HTTPConnection(address, port, timeout=self.timeout)
            try:
                conn.request(method, path, body=body or None, headers=forwarded)
                response = conn.getresponse()
                out = {k: v for k, v in response.getheaders() if k.lower() not in HOP_HEADERS | {"content-length"}}
                return response.status, out, response.read()
            except (ConnectionError, OSError):
                continue  # this target is going away: the next one answers
            finally:
                conn.close()
        return 503, {"Content-Type": "text/plain"}, b"no healthy targets\n"

    def _handler(self):
        door = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = door.forward(self.command, self.path, dict(self.headers), body,
                                                        self.client_address[0])
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

            def log_message(self, *args):
                pass

        return Handler
