"""An environment's log group in CloudWatch Logs, read: events of its streams (one per instance and
source, `<instance id>/<source>`, as the CloudWatch agent baked into the image names them)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LogEvent:
    stream: str
    timestamp: int  # ms since the epoch
    message: str


def events(logs, group: str, *, start_ms: int | None = None, stream_prefix: str | None = None,
           pattern: str | None = None, limit_pages: int = 100) -> list[LogEvent]:
    args = {"logGroupName": group}
    if start_ms is not None:
        args["startTime"] = start_ms
    if stream_prefix:
        args["logStreamNamePrefix"] = stream_prefix
    if pattern:
        args["filterPattern"] = pattern
    out, token = [], None
    for _ in range(limit_pages):
        page = logs.filter_log_events(**args, **({"nextToken": token} if token else {}))
        out += [LogEvent(e["logStreamName"], e["timestamp"], e["message"]) for e in page.get("events", [])]
        token = page.get("nextToken")
        if not token:
            break
    if stream_prefix:  # AWS filters by it already; moto 5.2.5 ignores logStreamNamePrefix
        out = [e for e in out if e.stream.startswith(stream_prefix)]
    return sorted(out, key=lambda e: (e.timestamp, e.stream))
