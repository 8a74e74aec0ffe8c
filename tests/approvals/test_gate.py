import re
import threading

import pytest

from tests.approvals.conftest import T0
from vendor.approvals import outbox
from vendor.approvals.gate import WaitTimeout
from vendor.approvals.mailer import MailError
from vendor.approvals.model import APPROVED, EXPIRED, PENDING, Decision, Summary

SUMMARY = Summary("r42", "0123456789abcdef", "ami-0abc", ("Fix login redirect", "Bump PHP to 8.2"))
LINK = re.compile(r"^(Approve|Reject):\s+(http://vend\.example/approvals/r/\S+)$", re.M)


def _open(gate, **kw):
    args = dict(customer="acme", environment="production",
                approvers=["ann@example.com", "bob@example.com", "ann@example.com"],
                summary=SUMMARY, timeout=3600)
    return gate.request(**{**args, **kw})


def test_request_mails_every_approver_their_own_links(gate, settings, signer):
    r = _open(gate)
    assert r.approvers == ("ann@example.com", "bob@example.com")  # de-duplicated
    assert (r.status, r.expires_at) == (PENDING, T0 + 3600)
    mails = outbox.entries(settings.outbox)
    assert sorted(m.to for m in mails) == ["ann@example.com", "bob@example.com"]
    assert {m.subject for m in mails} == {"Approval needed: acme/production r42"}
    for m in mails:
        text = outbox.text_of(outbox.read(settings.outbox, m.key))
        links = dict(LINK.findall(text))
        assert set(links) == {"Approve", "Reject"}
        for action, url in links.items():
            link = signer.verify(url.rsplit("/", 1)[1], T0)
            assert (link.request_id, link.approver, link.action) == (r.id, m.to, action.lower())
            assert link.expires_at == T0 + 3600 - 360  # before the approval times out


def test_request_refuses_bad_approvers_and_past_deadlines(gate):
    with pytest.raises(ValueError, match="email addresses"):
        _open(gate, approvers=["ann"])
    with pytest.raises(ValueError, match="email addresses"):
        _open(gate, approvers=[])
    with pytest.raises(ValueError, match="expire"):
        _open(gate, expires_at=T0 - 1)


def test_wait_returns_the_decision_made_elsewhere(gate, store):
    r = _open(gate)
    decision = Decision(r.id, APPROVED, "ann@example.com", T0 + 1, "127.0.0.1", "web", "go")
    got = []
    waiter = threading.Thread(target=lambda: got.append(gate.wait(r.id, timeout=5, poll=0.01)))
    gate.sleep = lambda s: threading.Event().wait(s)
    waiter.start()
    assert store.decide(decision, T0 + 1)
    waiter.join(5)
    assert got == [decision]


def test_wait_is_bounded_and_leaves_the_request_pending(gate, store):
    r = _open(gate)
    with pytest.raises(WaitTimeout, match="still pending"):
        gate.wait(r.id, timeout=0.05, poll=0.01)
    assert store.get(r.id).status == PENDING


def test_wait_reports_expiry_as_a_decision(gate, clock, store):
    r = _open(gate)
    clock.advance(3600)
    d = gate.wait(r.id, timeout=1)
    assert (d.status, d.approved, d.via) == (EXPIRED, False, "timeout")
    assert store.get(r.id).status == EXPIRED


def test_wait_for_an_unknown_request(gate):
    with pytest.raises(KeyError):
        gate.wait("apr-nope", timeout=1)


class _Refusing:
    def send(self, message):
        raise MailError("relay said no")


def test_mail_failure_is_reported_but_the_request_stays_open(gate, store):
    gate.mailer = _Refusing()
    with pytest.raises(MailError, match="mail failed for ann@example.com: relay said no") as e:
        _open(gate, approvers=["ann@example.com"])
    rid = re.search(r"apr-[0-9a-f]+", str(e.value)).group(0)
    assert store.get(rid).status == PENDING
