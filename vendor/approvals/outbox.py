"""Reading the local Maildir outbox (what `vend approvals outbox` lists) and catching SMTP into it.

`Catcher` is an aiosmtpd handler: run it in a `Controller` on 127.0.0.1 and point
`VEND_MAIL_TRANSPORT=smtp` at it to have mail relayed over real SMTP land in the same outbox.
"""
from __future__ import annotations

import mailbox
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    key: str
    date: str
    to: str
    subject: str
    request_id: str


MAILDIR_PARTS = ("tmp", "new", "cur")  # made one after the other by mailbox.Maildir(create=True)


def entries(path: str | Path) -> list[Entry]:
    """Messages in the outbox, oldest first."""
    path = Path(path)
    if not all((path / sub).is_dir() for sub in MAILDIR_PARTS):
        return []  # no mail yet, or the first mail is creating the Maildir right now
    box = mailbox.Maildir(path, create=False)
    found = []
    for key in box.keys():
        msg = read(path, key)
        found.append((_timestamp(msg), Entry(key, msg["Date"] or "", msg["To"] or "",
                                             msg["Subject"] or "", msg["X-Vend-Request"] or "")))
    return [e for _, e in sorted(found, key=lambda pair: pair[0])]


def read(path: str | Path, key: str) -> EmailMessage:
    box = mailbox.Maildir(Path(path), create=False)
    try:
        raw = box.get_bytes(key)
    except KeyError:
        raise KeyError(f"no message {key!r} in the outbox {path}") from None
    return message_from_bytes(raw, policy=policy.default)


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def _timestamp(msg: EmailMessage) -> float:
    try:
        return parsedate_to_datetime(msg["Date"]).timestamp()
    except (TypeError, ValueError):
        return 0.0


class Catcher:
    """aiosmtpd handler that stores every message it receives in a Maildir."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    async def handle_DATA(self, server, session, envelope) -> str:
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        mailbox.Maildir(self.path, create=True).add(msg)
        return "250 Message accepted for delivery"
