"""Which logs an environment's hosts keep, and the `--since` filter. Pure.

The same files the CloudWatch agent ships on AWS (one stream per instance and source):
the app's own log, the web server's logs, the deployment (hook script) logs and syslog.
"""
from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass

DEPLOYMENT_ROOT = "/opt/codedeploy-agent/deployment-root"
SINCE = re.compile(r"^(\d+)([smhd])$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                      "Nov", "Dec"), start=1)}
STAMPS = [  # (pattern, how to read it as UTC seconds)
    (re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)"),
     lambda g: (int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]))),
    (re.compile(r"(\d\d)/(\w{3})/(\d{4})[: ](\d\d):(\d\d):(\d\d)"),  # Apache, Python's wsgiref
     lambda g: (int(g[2]), MONTHS.get(g[1], 1), int(g[0]), int(g[3]), int(g[4]), int(g[5]))),
]


@dataclass(frozen=True)
class Source:
    label: str  # the stream's name: app, access, error, deploy, syslog
    path: str  # a glob on the host


def app_sources(stack: str, customer: str) -> list[Source]:
    if stack == "python":
        return [Source("app", f"/var/log/{customer}-app/app.log")]
    if stack == "php-apache":
        return [Source("access", "/var/log/apache2/access.log"), Source("error", "/var/log/apache2/error.log")]
    return [Source("access", "/var/log/nginx/access.log"), Source("error", "/var/log/nginx/error.log")]


def deploy_source(group_id: str, deployment_id: str | None) -> Source:
    return Source("deploy", f"{DEPLOYMENT_ROOT}/{group_id}/{deployment_id or '*'}/logs/scripts.log")


def sources(stack: str, customer: str, group_id: str, deployment_id: str | None) -> list[Source]:
    """With a deployment id, that deployment's hook logs alone; otherwise the app's and every kept
    deployment's."""
    if deployment_id:
        return [deploy_source(group_id, deployment_id)]
    return [*app_sources(stack, customer), deploy_source(group_id, None)]


def shipped(stack: str, customer: str) -> list[Source]:
    """What the CloudWatch agent in the EC2 image ships, one stream `<instance id>/<label>` each."""
    return [*app_sources(stack, customer), deploy_source("*", None),
            Source("codedeploy-agent", "/var/log/aws/codedeploy-agent/codedeploy-agent.log"),
            Source("syslog", "/var/log/syslog")]


def parse_since(text: str) -> int:
    """Seconds, from `30s`, `10m`, `2h`, `1d`."""
    found = SINCE.match(text.strip())
    if not found or int(found.group(1)) == 0:
        raise ValueError(f"{text!r}: write a number and a unit, e.g. 30s, 10m, 2h or 1d")
    return int(found.group(1)) * UNITS[found.group(2)]


def stamp(line: str) -> float | None:
    """The UTC time a log line carries, if it carries one."""
    for pattern, read in STAMPS:
        found = pattern.search(line)
        if found:
            try:
                return float(calendar.timegm((*read(found.groups()), 0, 0, 0)))
            except (ValueError, OverflowError):
                return None
    return None


def since_filter(lines: list[str], cutoff: float) -> list[str]:
    """Lines at or after `cutoff`; a line without a time follows the line before it (a stack trace,
    a hook's output under its header); lines before the first time are kept only if it is kept."""
    out, keep, pending = [], None, []
    for line in lines:
        when = stamp(line)
        if when is not None:
            keep = when >= cutoff
            if keep:
                out += pending
            pending = []
        if keep is None:
            pending.append(line)
        elif keep:
            out.append(line)
    return out


def now() -> float:
    return time.time()
