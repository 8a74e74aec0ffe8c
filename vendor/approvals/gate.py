"""The approval gate: open a request (mailing every approver their own links), wait for it.

Used by the local pipeline runner and by the AWS triggers (SNS notification, state poll).
`wait` polls the shared store, so the deciding web app or CLI may run in another process.
"""
from __future__ import annotations

import time

from vendor.approvals import keys, mailer as mailers, message, tokens
from vendor.approvals.model import (APPROVE, PENDING, REJECT, ApprovalRequest, Decision, PipelineRef,
                                    Summary, link_deadline)
from vendor.approvals.settings import Settings
from vendor.approvals.store import Store, new_id

DEFAULT_TIMEOUT = 7 * 24 * 3600.0  # CodePipeline's manual approval timeout


class WaitTimeout(TimeoutError):
    """`wait` gave up before a decision; the request is still pending."""


class Gate:
    def __init__(self, store: Store, signer: tokens.Signer, mailer, *, base_url: str, sender: str,
                 clock=time.time, sleep=time.sleep):
        self.store, self.signer, self.mailer = store, signer, mailer
        self.base_url, self.sender = base_url.rstrip("/"), sender
        self.clock, self.sleep = clock, sleep

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, mailer=None) -> "Gate":
        s = settings or Settings.from_env()
        return cls(Store(s.db_path), tokens.Signer(keys.load_key(s.state_dir)),
                   mailer or mailers.from_settings(s), base_url=s.base_url, sender=s.mail_from)

    def request(self, *, customer: str, environment: str, approvers: list[str] | tuple[str, ...],
                summary: Summary = Summary(), timeout: float | None = None,
                expires_at: float | None = None, pipeline: PipelineRef | None = None,
                request_id: str | None = None) -> ApprovalRequest:
        """Record a pending request and mail each approver. Raises MailError (after trying every
        approver) when some mail could not be sent; the request stays pending either way.
        A given `request_id` that exists already raises DuplicateRequest and mails nobody."""
        people = tuple(dict.fromkeys(a.strip() for a in approvers if a.strip()))
        bad = [a for a in people if "@" not in a or any(c.isspace() for c in a)]
        if not people or bad:
            raise ValueError(f"approvers must be email addresses, got {list(approvers)!r}")
        now = self.clock()
        deadline = expires_at if expires_at is not None else now + (timeout or DEFAULT_TIMEOUT)
        if deadline <= now:
            raise ValueError("the approval would expire before it is sent")
        request = self.store.add(ApprovalRequest(request_id or new_id(), customer, environment, people, summary,
                                                 now, deadline, pipeline))
        failed = []
        for approver in people:
            try:
                self.mailer.send(self.email(request, approver))
            except mailers.MailError as e:
                failed.append(f"{approver}: {e}")
        if failed:
            raise mailers.MailError(f"request {request.id} is open, but mail failed for " + "; ".join(failed))
        return request

    def links(self, request: ApprovalRequest, approver: str) -> tuple[str, str, float]:
        """(approve URL, reject URL, link expiry) for one approver of `request`."""
        expires = link_deadline(request.created_at, request.expires_at)
        approve = self.signer.sign(request.id, approver, APPROVE, expires)
        reject = self.signer.sign(request.id, approver, REJECT, expires)
        return f"{self.base_url}/r/{approve}", f"{self.base_url}/r/{reject}", expires

    def email(self, request: ApprovalRequest, approver: str):
        approve, reject, expires = self.links(request, approver)
        return message.approval_email(request, approver, approve, reject, expires, self.sender, self.clock())

    def wait(self, request_id: str, timeout: float, poll: float = 1.0) -> Decision:
        """Block until the request is decided or expires (then an `expired` Decision), at most
        `timeout` seconds (then WaitTimeout)."""
        give_up = time.monotonic() + timeout
        while True:
            request = self.store.get(request_id)
            if request is None:
                raise KeyError(f"no approval request {request_id!r}")
            now = self.clock()
            if request.status == PENDING and now >= request.expires_at:
                self.store.expire(request_id, now)
                continue
            if request.status != PENDING:
                return request.decision
            left = give_up - time.monotonic()
            if left <= 0:
                raise WaitTimeout(f"no decision on {request_id} within {timeout:g} s; it is still pending")
            self.sleep(max(0.0, min(poll, left, request.expires_at - now)))
