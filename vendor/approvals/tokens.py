"""Signed approval links: HMAC-SHA256 over a small JSON payload, URL-safe.

A token binds one request, one approver, one action (approve or reject) and an expiry, and
carries a random link id so that its single use can be recognised. Signing and checking are
pure; single use is enforced by the store (one conditional UPDATE per request).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from vendor.approvals.model import ACTIONS

VERSION = 1
DOMAIN = b"vend-approval-link.v1."
MAX_TOKEN = 2048

TAMPERED = "tampered"
EXPIRED = "expired"


class TokenError(Exception):
    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Link:
    request_id: str
    approver: str
    action: str  # approve | reject
    expires_at: int
    link_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, key: bytes):
        if len(key) < 32:
            raise ValueError("the approval signing key must be at least 32 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "Signer(key=<hidden>)"

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._key, DOMAIN + body.encode("ascii"), hashlib.sha256).digest()

    def sign(self, request_id: str, approver: str, action: str, expires_at: float,
             link_id: str | None = None) -> str:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, not {action!r}")
        payload = {"v": VERSION, "r": request_id, "a": approver, "d": action,
                   "x": int(expires_at), "n": link_id or secrets.token_urlsafe(12)}
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{body}.{_b64(self._mac(body))}"

    def verify(self, token: str, now: float) -> Link:
        """The link a token stands for; TokenError(TAMPERED|EXPIRED) otherwise."""
        if not token or len(token) > MAX_TOKEN or not token.isascii() or token.count(".") != 1:
            raise TokenError(TAMPERED, "the link is malformed")
        body, mac = token.split(".")
        try:
            given = _unb64(mac)
        except (ValueError, TypeError):
            raise TokenError(TAMPERED, "the link signature is malformed")
        if not hmac.compare_digest(given, self._mac(body)):
            raise TokenError(TAMPERED, "the link signature does not match")
        try:
            p = json.loads(_unb64(body))
            link = Link(str(p["r"]), str(p["a"]), str(p["d"]), int(p["x"]), str(p["n"]))
            ok = p["v"] == VERSION and link.action in ACTIONS
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise TokenError(TAMPERED, "the link content is not understood")
        if now >= link.expires_at:
            raise TokenError(EXPIRED, "the link has expired")
        return link
