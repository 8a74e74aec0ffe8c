"""The local front door: an HTTP listener on 127.0.0.1 that routes like the ALB's listener rules.

Each request is matched to the rules by Host header and path (vendor.plan.alb_match), then sent
to one of that rule's healthy registered targets, in turn. A target that refuses the connection
is skipped for the next one (a host being replaced), so requests do not fail while healthy
targets remain. No rule: 503 `host not found`, the listener's default; no target: 503.

Routes come from a cached view (vendor.sandbox.frontdoor_view): reloaded before routing as soon
as `version()` moves (the emulator's change counter: a register/deregister, a rule change), in
the background every `refresh` seconds, and at once when a proxied request fails. Requests are
served by an asyncio server with keep-alive to clients and pooled keep-alive connections to the
targets (vendor.sandbox.http1).
"""
from __future__ import annotations

import asyncio
import itertools
import socket
import threading
from typing import Callable

from vendor.aws.frontdoor_routes import Route
from vendor.plan.alb_match import route
from vendor.sandbox import http1
from vendor.sandbox.frontdoor_view import View

HOP_HEADERS = http1.HOP_HEADERS
# not passed on: hop-by-hop, the length (the body is sent whole), Expect (answered here), and what
# the front door sets itself
DROPPED = HOP_HEADERS | {"content-length", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}


def _text(status: int, text: str):
    return status, [("Content-Type", "text/plain")], text.encode()


class FrontDoor:
    """`routes()` reads the rules with their healthy targets; `version()` (optional) is a cheap
    counter that moves whenever they may have changed. Without `version`, a view older than
    `refresh` seconds is reloaded before routing (refresh=0: every request reads `routes()`)."""

    def __init__(self, routes: Callable[[], list[Route]], *, host: str = "127.0.0.1", port: int = 0,
                 refresh: float = 0.5, timeout: float = 10.0, version: Callable[[], object] | None = None):
        self.timeout = timeout
        self.view = View(routes, version=version, refresh=refresh)
        self._turn = itertools.count()
        self._sock = socket.create_server((host, port), backlog=1024, reuse_port=False)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._pool = http1.Pool(timeout=timeout)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FrontDoor":
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="vend-front-door", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve(ready))
        pending = asyncio.all_tasks(self._loop)  # clients still connected
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._client, sock=self._sock, limit=http1.LIMIT)
        ready.set()
        async with server:
            await self._stopped.wait()
            server.close()
        await self._pool.close()

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(10)
        else:
            self._sock.close()

    def __enter__(self) -> "FrontDoor":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def routes(self) -> list[Route]:
        """The cached view as the last request saw it."""
        return self.view.routes

    async def forward(self, request: http1.Request, client: str):
        host = request.header("Host") or ""
        matched = route(await self.view.current(), host, request.target)
        if matched is None:
            return _text(503, "host not found\n")
        targets = list(matched.targets)
        if not targets:
            matched = route(await self.view.current(fresh=True), host, request.target)
            targets = list(matched.targets) if matched else []
        start = next(self._turn)
        headers = [(k, v) for k, v in request.headers if k.lower() not in DROPPED]
        headers += [("X-Forwarded-For", client), ("X-Forwarded-Proto", "http"), ("X-Forwarded-Host", host)]
        for i in range(len(targets)):
            target = targets[(start + i) % len(targets)]
            try:
                return await self._pool.exchange(target, request.method, request.target, headers, request.body)
            except http1.TargetFailed:
                self.view.changed()  # the view may be behind (a host going away): reload now
                continue  # this target is going away: the next one answers
        return _text(503, "no healthy targets\n")

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = (writer.get_extra_info("peername") or ("",))[0]
        http1.no_delay(writer)
        try:
            while True:
                request = await http1.read_request(reader, writer)
                if request is None:
                    break
                status, headers, payload = await self.forward(request, client)
                http1.write_response(writer, request, status, headers, payload)
                await writer.drain()
                if not request.keep_alive:
                    break
        except http1.BadRequest:
            http1.write_response(writer, None, 400, [("Content-Type", "text/plain")], b"bad request\n")
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the front door stops
        finally:
            writer.close()
