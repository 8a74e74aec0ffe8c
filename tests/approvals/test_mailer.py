import socket

import boto3
import pytest
from aiosmtpd.controller import Controller
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from vendor.approvals import outbox
from vendor.approvals.mailer import MailError, MaildirMailer, SesMailer, SmtpMailer, from_settings
from vendor.approvals.message import approval_email
from vendor.approvals.model import ApprovalRequest, Summary
from vendor.approvals.settings import Settings, SettingsProblem

T = 1_700_000_000.0


def _message():
    r = ApprovalRequest("apr-1", "acme", "production", ("ann@example.com",), Summary("r42"), T, T + 3600)
    return approval_email(r, "ann@example.com", "http://x/r/A", "http://x/r/R", T + 3000, "vend@example.com", T)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_maildir_outbox(tmp_path):
    MaildirMailer(tmp_path / "outbox").send(_message())
    [entry] = outbox.entries(tmp_path / "outbox")
    assert (entry.to, entry.subject, entry.request_id) == ("ann@example.com", "Approval needed: acme/production r42", "apr-1")
    assert "Approve: http://x/r/A" in outbox.text_of(outbox.read(tmp_path / "outbox", entry.key))
    assert outbox.entries(tmp_path / "none") == []


def test_an_outbox_being_created_reads_as_empty(tmp_path):
    """The first mail makes the Maildir's tmp, new and cur one after the other; a reader in
    between (vend approvals outbox, a waiting test) sees no mail rather than an error."""
    box = tmp_path / "outbox"
    (box / "tmp").mkdir(parents=True)
    (box / "new").mkdir()
    assert outbox.entries(box) == []
    (box / "cur").mkdir()  # the Maildir is complete
    MaildirMailer(box).send(_message())
    assert [e.request_id for e in outbox.entries(box)] == ["apr-1"]


def test_smtp_relay_into_the_catcher(tmp_path):
    controller = Controller(outbox.Catcher(tmp_path / "caught"), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        SmtpMailer("127.0.0.1", controller.port).send(_message())
    finally:
        controller.stop()
    [entry] = outbox.entries(tmp_path / "caught")
    assert entry.subject == "Approval needed: acme/production r42"


def test_smtp_failure_is_a_mail_error():
    with pytest.raises(MailError, match=r"SMTP relay 127\.0\.0\.1:\d+ did not take the message"):
        SmtpMailer("127.0.0.1", _free_port(), timeout=2).send(_message())


def test_ses_send_raw_email(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        ses = boto3.client("ses", region_name="us-east-1")
        with pytest.raises(MailError, match="SES did not take the message"):
            SesMailer(ses).send(_message())  # sender not verified yet
        ses.verify_email_identity(EmailAddress="vend@example.com")
        SesMailer(ses).send(_message())
        [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        assert (sent.source, set(sent.destinations)) == ("vend@example.com", {"ann@example.com"})
        assert "Subject: Approval needed: acme/production r42" in sent.raw_data


def test_transport_from_settings(tmp_path):
    s = Settings.from_env({"VEND_STATE_DIR": str(tmp_path), "VEND_MAIL_TRANSPORT": "smtp",
                           "VEND_SMTP_HOST": "mail.example.com", "VEND_SMTP_SECURITY": "starttls",
                           "VEND_SMTP_PORT": "587", "VEND_SMTP_USER": "u", "VEND_SMTP_PASSWORD": "hunter2"})
    mailer = from_settings(s)
    assert (mailer.host, mailer.port, mailer.security) == ("mail.example.com", 587, "starttls")
    assert "hunter2" not in repr(mailer) and "hunter2" not in repr(s)
    assert isinstance(from_settings(Settings.from_env({"VEND_STATE_DIR": str(tmp_path)})), MaildirMailer)
    assert isinstance(from_settings(Settings.from_env({"VEND_MAIL_TRANSPORT": "ses"})), SesMailer)
    with pytest.raises(SettingsProblem, match="VEND_MAIL_TRANSPORT='pigeon'"):
        Settings.from_env({"VEND_MAIL_TRANSPORT": "pigeon"})
