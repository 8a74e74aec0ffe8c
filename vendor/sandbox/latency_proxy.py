"""An HTTP proxy in front of the embedded AWS that behaves like AWS's distance and rate limits.

Every request waits `latency` seconds (an AWS round trip) before it is forwarded; each API action
has a token bucket (`rate` requests per second, `burst` deep, per service and action, as AWS
throttles per API). A request finding its bucket empty is answered at once, as AWS answers it,
in the error format of the service's protocol:

- query services (elbv2, autoscaling, iam, rds, sns, cloudwatch, ...): HTTP 400, XML
  `ErrorResponse`, code `Throttling`;
- EC2: HTTP 503, XML `Response/Errors`, code `RequestLimitExceeded`;
- JSON services (dynamodb, codebuild, codedeploy, logs, events, ...): HTTP 400, `__type`
  `ThrottlingException`;
- S3: HTTP 503, XML `Error`, code `SlowDown`; other REST services: HTTP 429 `ThrottlingException`.

botocore's retry modes know each of these codes as throttling. The proxy counts what it
forwarded and what it throttled, per "service:Action" (`counts`, `throttled`). An S3 request's
action is its method and sub-resource (`GET ?encryption`, `GET ?tagging`, `PUT object`), as S3
counts each bucket configuration read as its own operation.

`rates` gives a service its own (rate, burst), where AWS documents one: `DOCUMENTED_RATES` has
S3's 5,500 GET/HEAD requests per second per prefix (Amazon S3 User Guide, "Best practices design
patterns: optimizing Amazon S3 performance",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html); the EC2
figures of the default (20/s, 100 deep) are EC2's for non-mutating actions
(https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).

    proxy = LatencyProxy(upstream_url, latency=0.04, rate=50, burst=100); proxy.start(); proxy.url ...
"""
from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
_CONNECTION = re.compile(rb"\r\n(?:connection|keep-alive):[^\r]*(?=\r\n)", re.IGNORECASE)
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
DOCUMENTED_RATES = {"s3": (5500.0, 5500.0)}
QUERY_SERVICES = {"elasticloadbalancing", "autoscaling", "iam", "rds", "sns", "monitoring", "sts", "email"}


class TokenBucket:
    def __init__(self, rate: float, burst: float, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.stamp = burst, clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def action_of(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
    """(signing service, action) of a signed AWS request."""
    found = _SCOPE.search(headers.get("authorization", ""))
    service = found.group(1) if found else "unknown"
    target = headers.get("x-amz-target")
    if target:
        return service, target.rsplit(".", 1)[-1]
    if method == "POST" and "x-www-form-urlencoded" in headers.get("content-type", ""):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return service, action[0]
    url = urlsplit(path)
    parts = [p for p in url.path.split("/") if p]
    if service == "s3":
        sub = [q.split("=", 1)[0] for q in url.query.split("&") if q and not q.startswith("x-id=")]
        return service, f"{method} " + (f"?{sub[0]}" if sub else "object" if len(parts) > 1 else "bucket")
    return service, f"{method} /{parts[0] if parts else ''}"


def throttling_response(service: str) -> bytes:
    """AWS's throttling answer for the service's protocol (see the module's docstring)."""
    if service == "ec2":
        status, kind = "503 Service Unavailable", "text/xml"
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                "<Message>Request limit exceeded.</Message></Error></Errors><RequestID>vend-proxy</RequestID></Response>")
    elif service in QUERY_SERVICES:
        status, kind = "400 Bad Request", "text/xml"
        body = ("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
                "</Error><RequestId>vend-proxy</RequestId></ErrorResponse>")
    elif service == "s3":
        status, kind = "503 Slow Down", "application/xml"
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                "<Message>Please reduce your request rate.</Message><RequestId>vend-proxy</RequestId></Error>")
    else:
        status, kind = "400 Bad Request", "application/x-amz-json-1.1"
        body = '{"__type":"ThrottlingException","message":"Rate exceeded"}'
    raw = body.encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(raw)}\r\n"
            "x-amzn-RequestId: vend-proxy\r\nx-amzn-ErrorType: ThrottlingException\r\n\r\n").encode() + raw


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, dict[str, str], bytes] | None:
    """(start line + headers as received, lower-cased headers, body) of one HTTP/1.1 message."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            body += size_line + chunk
            if size == 0:
                break
        return head, headers, body
    length = int(headers.get("content-length", "0") or 0)
    return head, headers, await reader.readexactly(length) if length else b""


class LatencyProxy:
    def __init__(self, upstream: str, *, latency: float = 0.04, rate: float = 50.0, burst: float = 100.0,
                 rates: dict[str, tuple[float, float]] | None = None):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port or 80)
        self.latency, self.rate, self.burst = latency, rate, burst
        self.rates = rates or {}  # service -> (rate, burst) where it is not the default
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        self.counts: Counter = Counter()  # "service:Action" -> forwarded
        self.throttled: Counter = Counter()  # "service:Action" -> answered with a throttling error
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.throttled.clear()

    @property
    def forwarded(self) -> int:
        return sum(self.counts.values())

    def start(self) -> "LatencyProxy":
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the latency proxy did not start within 10 s")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, HOST, 0, limit=2 ** 24))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            tasks = asyncio.all_tasks(self._loop)
            for task in tasks:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self._loop.close()

    def _admit(self, key: tuple[str, str]) -> bool:
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = TokenBucket(*self.rates.get(key[0], (self.rate, self.burst)))
        admitted = bucket.take()
        with self._lock:
            (self.counts if admitted else self.throttled)[f"{key[0]}:{key[1]}"] += 1
        return admitted

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                request = await _read_message(client_r)
                if request is None:
                    return
                head, headers, body = request
                method, path = head.split(b" ", 2)[:2]
                key = action_of(method.decode(), path.decode(), headers, body)
                await asyncio.sleep(self.latency)
                if not self._admit(key):
                    client_w.write(throttling_response(key[0]))
                    await client_w.drain()
                    continue
                response = None
                for _fresh in (False, True):  # a kept connection the upstream has closed: once more on a new one
                    if upstream is None:
                        upstream = await asyncio.open_connection(*self.upstream, limit=2 ** 24)
                    try:
                        upstream[1].write(head + body)
                        await upstream[1].drain()
                        response = await self._response(upstream[0], method == b"HEAD")
                    except ConnectionError:
                        response = None
                    if response is not None:
                        break
                    upstream[1].close()
                    upstream = None
                if response is None:
                    return
                raw, close, client_close = response
                client_w.write(raw)
                await client_w.drain()
                if client_close:
                    return
                if close:
                    upstream[1].close()
                    upstream = None
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return  # the client or the upstream went away, or the proxy is stopping
        finally:
            if upstream is not None:
                upstream[1].close()
            client_w.close()

    @staticmethod
    async def _response(reader: asyncio.StreamReader, head_only: bool) -> tuple[bytes, bool, bool] | None:
        """(the upstream's response as bytes, whether the upstream closes the connection after it,
        whether the client's connection must close too). `Connection` is a hop-by-hop header
        (RFC 9110, section 7.6.1): the upstream's `Connection: close` (the moto server closes
        after every response) ends the proxy's upstream connection only, and is not passed on; the
        client keeps its connection, as it would with AWS, unless the body ends with the connection."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        text = head.decode("latin-1").lower()
        close = "connection: close" in text or text.startswith("http/1.0")
        http11 = text.startswith("http/1.1")
        kept, client_close = (_CONNECTION.sub(b"", head), False) if http11 else (head, close)
        if head_only or text.split(" ", 2)[1] in ("204", "304"):
            return kept, close, client_close
        found = re.search(r"\r\ncontent-length:\s*(\d+)", text)
        if found:
            return kept + await reader.readexactly(int(found.group(1))), close, client_close
        if "transfer-encoding: chunked" in text:
            body = b""
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                body += size_line + await reader.readexactly(size + 2)
                if size == 0:
                    return kept + body, close, client_close
        return head + await reader.read(), True, True  # no length: the body ends with the connection
