"""Approvals configuration, read from the environment. Secrets are kept out of repr().

| variable | default |
|---|---|
| VEND_STATE_DIR | $XDG_STATE_HOME/vend or ~/.local/state/vend |
| VEND_APPROVALS_BIND | 127.0.0.1:8377 (address `vend approvals serve` listens on) |
| VEND_APPROVALS_PUBLIC_URL | http://BIND (base of the links in emails; set it behind a proxy; required with a 0.0.0.0 / :: bind) |
| VEND_APPROVALS_FORWARDED_ALLOW_IPS | none (addresses of the proxies whose X-Forwarded-For/Proto are trusted; without one the peer's address is recorded) |
| VEND_APPROVALS_KEY | (unset: a 0600 key file in the state dir) |
| VEND_MAIL_TRANSPORT | maildir (the outbox in the state dir) / smtp / ses |
| VEND_MAIL_FROM | vend@localhost |
| VEND_SMTP_HOST, VEND_SMTP_PORT, VEND_SMTP_USER, VEND_SMTP_PASSWORD | localhost, 25 |
| VEND_SMTP_SECURITY | none / starttls / ssl (default none) |
| VEND_SES_REGION | (the standard AWS region chain) |
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from vendor.state import default_state_dir

TRANSPORTS = ("maildir", "smtp", "ses")
SECURITY = ("none", "starttls", "ssl")
DEFAULT_BIND = "127.0.0.1:8377"
EVERY_ADDRESS = ("0.0.0.0", "::", "")


class SettingsProblem(Exception):
    """A configuration value a person must fix; the message names the variable."""


def parse_bind(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SettingsProblem(f"bind address {text!r} is not HOST:PORT (e.g. 127.0.0.1:8377)")
    return host.strip("[]"), int(port)


@dataclass(frozen=True)
class Settings:
    state_dir: Path
    host: str = "127.0.0.1"
    port: int = 8377
    public_url: str = ""
    forwarded_allow_ips: str = ""  # no proxy is trusted: the peer's address is recorded
    mail_transport: str = "maildir"
    mail_from: str = "vend@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_security: str = "none"
    ses_region: str = ""

    @classmethod
    def from_env(cls, environ=None) -> "Settings":
        env = os.environ if environ is None else environ
        host, port = parse_bind(env.get("VEND_APPROVALS_BIND") or DEFAULT_BIND)
        transport = (env.get("VEND_MAIL_TRANSPORT") or "maildir").lower()
        if transport not in TRANSPORTS:
            raise SettingsProblem(f"VEND_MAIL_TRANSPORT={transport!r}: use one of {', '.join(TRANSPORTS)}")
        security = (env.get("VEND_SMTP_SECURITY") or "none").lower()
        if security not in SECURITY:
            raise SettingsProblem(f"VEND_SMTP_SECURITY={security!r}: use one of {', '.join(SECURITY)}")
        smtp_port = env.get("VEND_SMTP_PORT") or ("465" if security == "ssl" else "25")
        if not smtp_port.isdigit():
            raise SettingsProblem(f"VEND_SMTP_PORT={smtp_port!r} is not a port number")
        return cls(
            state_dir=default_state_dir(env), host=host, port=port,
            public_url=env.get("VEND_APPROVALS_PUBLIC_URL", ""),
            forwarded_allow_ips=env.get("VEND_APPROVALS_FORWARDED_ALLOW_IPS", ""),
            mail_transport=transport, mail_from=env.get("VEND_MAIL_FROM") or "vend@localhost",
            smtp_host=env.get("VEND_SMTP_HOST") or "localhost", smtp_port=int(smtp_port),
            smtp_user=env.get("VEND_SMTP_USER", ""), smtp_password=env.get("VEND_SMTP_PASSWORD", ""),
            smtp_security=security, ses_region=env.get("VEND_SES_REGION", ""),
        )

    def with_bind(self, bind: str) -> "Settings":
        host, port = parse_bind(bind)
        return replace(self, host=host, port=port)

    @property
    def base_url(self) -> str:
        """Base of the links in emails: the configured public URL, else the bind address."""
        if self.public_url:
            return self.public_url.rstrip("/")
        if self.host in EVERY_ADDRESS:
            bind = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
            raise SettingsProblem(
                f"bind address {bind} listens on every address, so it cannot be the base of the links in mails; "
                "give the address approvers reach with --public-url or VEND_APPROVALS_PUBLIC_URL "
                "(e.g. https://approvals.example.com)")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.state_dir / "approvals.sqlite3"

    @property
    def outbox(self) -> Path:
        return self.state_dir / "outbox"
