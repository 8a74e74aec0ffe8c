"""Just enough HTTP/1.1 over asyncio streams for the front door: read a client's request, write a
response (keep-alive for HTTP/1.1, and for HTTP/1.0 clients that ask for it), and exchange a
request with a target over pooled keep-alive connections.

Bodies are read whole (Content-Length or chunked) and sent with a Content-Length; hop-by-hop
headers are dropped both ways.
"""
from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from http import HTTPStatus

LIMIT = 64 * 1024  # longest request or status line plus headers
HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade"}
IDLE_PER_TARGET = 128


class BadRequest(Exception):
    pass


class TargetFailed(Exception):
    """The target could not be reached or broke off before a whole response."""


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def keep_alive(self) -> bool:
        connection = (self.header("Connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


def _headers(lines: list[bytes]) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(f"bad header line {line[:80]!r}")
        out.append((name, value.strip()))
    return out


async def _body(reader: asyncio.StreamReader, headers: list[tuple[str, str]]) -> bytes | None:
    """The body by Content-Length or chunked; None when neither says (read to the end)."""
    fields = {k.lower(): v for k, v in headers}
    if "chunked" in fields.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    if "content-length" in fields:
        try:
            length = int(fields["content-length"])
        except ValueError:
            raise BadRequest("bad Content-Length") from None
        return await reader.readexactly(length) if length else b""
    return None


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter | None = None) -> Request | None:
    """The next request on a client connection; None when the client closed it between requests.
    A client that expects `100 Continue` before sending its body is told to go on (on `writer`)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial.strip():
            return None
        raise
    except asyncio.LimitOverrunError:
        raise BadRequest("request head too long") from None
    lines = head[:-4].split(b"\r\n")
    while lines and not lines[0]:  # stray CRLF between requests
        lines.pop(0)
    parts = lines[0].decode("latin-1").split(" ") if lines else []
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest("bad request line")
    headers = _headers(lines[1:])
    expect = next((v for k, v in headers if k.lower() == "expect"), "")
    if writer is not None and expect.lower() == "100-continue" and parts[2] == "HTTP/1.1":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    try:
        body = await _body(reader, headers)
    except ValueError:
        raise BadRequest("bad chunked body") from None
    return Request(parts[0], parts[1], parts[2], headers, body or b"")


def write_response(writer: asyncio.StreamWriter, request: Request | None, status: int,
                   headers: list[tuple[str, str]], payload: bytes) -> None:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    out = [f"HTTP/1.1 {status} {reason}\r\n"]
    out += [f"{k}: {v}\r\n" for k, v in headers]
    out.append(f"Content-Length: {len(payload)}\r\n")
    if request is None or not request.keep_alive:
        out.append("Connection: close\r\n")
    elif request.version == "HTTP/1.0":
        out.append("Connection: keep-alive\r\n")
    out.append("\r\n")
    head = "".join(out).encode("latin-1")
    # one write: a head and a body in two small segments wait on the peer's delayed ACK (~40 ms)
    writer.write(head + payload if payload and (request is None or request.method != "HEAD") else head)


def no_delay(writer: asyncio.StreamWriter) -> None:
    """TCP_NODELAY (asyncio sets it only for sockets made with proto=IPPROTO_TCP)."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Pool:
    """Keep-alive connections to targets, reused across requests."""

    def __init__(self, *, timeout: float):
        self.timeout = timeout
        self._idle: dict[tuple[str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def close(self) -> None:
        for conns in self._idle.values():
            for _, writer in conns:
                writer.close()
        self._idle.clear()

    async def exchange(self, target: tuple[str, int], method: str, path: str, headers: list[tuple[str, str]],
                       body: bytes):
        """(status, headers without hop-by-hop ones, body). A reused connection the target had closed
        is retried once on a new one; TargetFailed when the target cannot answer."""
        idle = self._idle.setdefault(target, [])
        while idle:
            conn = idle.pop()
            try:
                return await self._over(conn, target, method, path, headers, body)
            except _Stale:
                continue
        try:
            conn = await asyncio.wait_for(asyncio.open_connection(*target, limit=LIMIT), self.timeout)
        except (OSError, asyncio.TimeoutError) as e:
            raise TargetFailed(str(e)) from None
        no_delay(conn[1])
        try:
            return await self._over(conn, target, method, path, headers, body)
        except _Stale as e:
            raise TargetFailed(str(e.__cause__ or "connection closed")) from None

    async def _over(self, conn, target, method, path, headers, body):
        reader, writer = conn
        head = [f"{method} {path} HTTP/1.1\r\n"] + [f"{k}: {v}\r\n" for k, v in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body)}\r\n")
        head.append("\r\n")
        try:
            writer.write("".join(head).encode("latin-1") + body)
            await writer.drain()
            status, response_headers, payload, reusable = await asyncio.wait_for(
                self._response(reader, method), self.timeout)
        except asyncio.IncompleteReadError as e:
            writer.close()
            if not e.partial:
                raise _Stale() from e  # closed before any answer
            raise TargetFailed("the target broke off its answer") from None
        except ConnectionError as e:
            writer.close()
            raise _Stale() from e
        except (OSError, asyncio.LimitOverrunError, asyncio.TimeoutError, ValueError, IndexError, BadRequest) as e:
            writer.close()
            raise TargetFailed(str(e) or type(e).__name__) from None
        if reusable and len(self._idle[target]) < IDLE_PER_TARGET:
            self._idle[target].append(conn)
        else:
            writer.close()
        return status, response_headers, payload

    @staticmethod
    async def _response(reader, method: str):
        status = 100
        while 100 <= status < 200 and status != 101:  # interim answers (100 Continue) come first
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head[:-4].split(b"\r\n")
            parts = lines[0].decode("latin-1").split(" ", 2)
            version, status = parts[0], int(parts[1])
        headers = _headers(lines[1:])
        fields = {k.lower(): v.lower() for k, v in headers}
        connection = fields.get("connection", "")
        reusable = ("keep-alive" in connection) if version == "HTTP/1.0" else ("close" not in connection)
        if method == "HEAD" or status in (204, 304, 101):
            payload = b""
        else:
            payload = await _body(reader, headers)
            if payload is None:  # neither length nor chunks: the body runs to the end
                payload, reusable = await reader.read(), False
        out = [(k, v) for k, v in headers if k.lower() not in HOP_HEADERS | {"content-length"}]
        return status, out, payload, reusable


class _Stale(Exception):
    """A reused connection failed before any answer: the target had closed it."""
