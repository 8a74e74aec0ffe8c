"""Sending mail: the local Maildir outbox (default), any SMTP relay, or SES.

Every mailer has `send(message: EmailMessage) -> None` and raises `MailError` on failure.
"""
from __future__ import annotations

import mailbox
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from vendor.approvals.settings import Settings


class MailError(Exception):
    pass


class MaildirMailer:
    """The embedded default: messages land in a Maildir a person can open (`vend approvals outbox`)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def send(self, message: EmailMessage) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            mailbox.Maildir(self.path, create=True).add(message)
        except OSError as e:
            raise MailError(f"cannot write to the outbox {self.path}: {e.strerror or e}") from e


class SmtpMailer:
    def __init__(self, host: str, port: int, *, security: str = "none", user: str = "",
                 password: str = "", timeout: float = 30.0):
        self.host, self.port, self.security, self.timeout = host, port, security, timeout
        self.user, self._password = user, password

    def __repr__(self) -> str:
        return f"SmtpMailer({self.host}:{self.port}, security={self.security}, user={self.user or '-'})"

    def send(self, message: EmailMessage) -> None:
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self._password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as e:
            raise MailError(f"SMTP relay {self.host}:{self.port} did not take the message: {e}") from e


class SesMailer:
    """SES `SendRawEmail` through a client from `vendor.aws.clients` (or one given)."""

    def __init__(self, client=None, region: str = ""):
        self._client, self.region = client, region

    def send(self, message: EmailMessage) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        from vendor.aws import clients

        if self._client is None:
            self._client = clients.client("ses", region=self.region or None)
        try:
            self._client.send_raw_email(Source=message["From"], Destinations=[message["To"]],
                                        RawMessage={"Data": message.as_bytes()})
        except (ClientError, BotoCoreError) as e:
            raise MailError(f"SES did not take the message: {e}") from e


def from_settings(settings: Settings):
    if settings.mail_transport == "smtp":
        return SmtpMailer(settings.smtp_host, settings.smtp_port, security=settings.smtp_security,
                          user=settings.smtp_user, password=settings.smtp_password)
    if settings.mail_transport == "ses":
        return SesMailer(region=settings.ses_region)
    return MaildirMailer(settings.outbox)
