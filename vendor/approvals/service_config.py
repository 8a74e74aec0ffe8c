"""What the approvals service (the Lambda function, or the sandbox's copy of it) is told by its
environment, checked before anything is opened. Standard library only.

| variable | meaning |
|---|---|
| VEND_APPROVALS_TABLE | DynamoDB table of requests (unset: the SQLite store in VEND_STATE_DIR) |
| VEND_APPROVALS_KEY_SECRET | Secrets Manager id of the link signing key (unset: VEND_APPROVALS_KEY or the key file) |
| VEND_APPROVALS_TOPICS | ARN pattern (`*` wildcards) of the approval topics whose notifications are taken |
| VEND_APPROVALS_QUEUE_ARN | the SQS queue the notifications come through (records from others are refused) |
| VEND_APPROVALS_PUBLIC_URL | base of the links (unset: the function's own Function URL) |
| VEND_MAIL_TRANSPORT, VEND_MAIL_FROM, ... | as for `vend approvals` (settings.py); `ses` on AWS |

On real AWS (no `AWS_ENDPOINT_URL`) links must be `https:` and not loopback, and mail must leave
the machine: the maildir transport is refused, since nobody would ever read it.
"""
from __future__ import annotations

import fnmatch
import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from vendor.approvals.settings import Settings, SettingsProblem

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_link_base(url: str, *, emulated: bool) -> str:
    """`url` without a trailing slash, or SettingsProblem saying why links cannot point there."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http"):
        raise SettingsProblem(f"VEND_APPROVALS_PUBLIC_URL={url!r} is not an http(s) URL")
    if parts.query or parts.fragment or parts.username:
        raise SettingsProblem(f"VEND_APPROVALS_PUBLIC_URL={url!r} may not carry a query, fragment or user")
    if not emulated:
        if is_loopback(host):
            raise SettingsProblem(f"VEND_APPROVALS_PUBLIC_URL={url!r} is a loopback address: approvers could "
                                  "not open the links; use the approvals service's Function URL")
        if parts.scheme != "https":
            raise SettingsProblem(f"VEND_APPROVALS_PUBLIC_URL={url!r}: approval links must be https: on AWS")
    elif parts.scheme != "https" and not is_loopback(host):
        raise SettingsProblem(f"VEND_APPROVALS_PUBLIC_URL={url!r}: plain http: only for a loopback address")
    return url.rstrip("/")


@dataclass(frozen=True)
class ServiceConfig:
    settings: Settings
    table: str = ""
    key_secret: str = ""
    topics: str = ""
    queue_arn: str = ""
    emulated: bool = False

    @classmethod
    def from_env(cls, environ=None) -> "ServiceConfig":
        env = os.environ if environ is None else environ
        settings = Settings.from_env(env)
        config = cls(settings, env.get("VEND_APPROVALS_TABLE", ""), env.get("VEND_APPROVALS_KEY_SECRET", ""),
                     env.get("VEND_APPROVALS_TOPICS", ""), env.get("VEND_APPROVALS_QUEUE_ARN", ""),
                     bool(env.get("AWS_ENDPOINT_URL")))
        if not config.topics:
            raise SettingsProblem("VEND_APPROVALS_TOPICS is not set: no approval topic would be trusted")
        if not config.emulated and settings.mail_transport == "maildir":
            raise SettingsProblem("VEND_MAIL_TRANSPORT=maildir on AWS: approvers would never see the mail; "
                                  "use ses (or smtp with a relay)")
        return config

    def link_base(self, url: str) -> str:
        return check_link_base(url, emulated=self.emulated)

    def trusts_topic(self, arn: str) -> bool:
        return any(fnmatch.fnmatchcase(arn, pattern) for pattern in self.topics.split(","))
