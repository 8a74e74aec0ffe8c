"""Checking approval links and deciding: the rules shared by the web app and the CLI.

A decision is recorded in the store first (one conditional UPDATE: single use, one winner),
then delivered: on AWS with `PutApprovalResult`; locally the gate sees the store change. If
CodePipeline refuses it, the record is undone so that nothing is half-decided.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from vendor.approvals.model import APPROVE, APPROVED, EXPIRED, PENDING, REJECTED, ApprovalRequest, Decision
from vendor.approvals.store import Store
from vendor.approvals.tokens import Link, Signer, TokenError
from vendor.aws.codepipeline import PipelineApprovals, PipelineError

COMMENT_MAX = 1000

# What a link check or a decision came to; the web app maps each to a page and HTTP status.
READY = "ready"                      # valid link, request open: show the confirmation page
DECIDED = "decided"                  # this call decided the request
TAMPERED = "tampered"                # signature or format wrong
EXPIRED_LINK = "expired"             # link or request past its time
UNKNOWN = "unknown"                  # no such request
WRONG_APPROVER = "wrong_approver"    # link's approver is not an approver of the request
REPLAYED = "replayed"                # this very link already decided the request
ALREADY_DECIDED = "already_decided"  # someone (or another link) decided it before
NOT_DELIVERED = "not_delivered"      # CodePipeline refused; nothing was decided


@dataclass(frozen=True)
class Outcome:
    kind: str
    request: ApprovalRequest | None = None
    link: Link | None = None
    detail: str = ""

    @property
    def decision(self) -> Decision | None:
        return self.request.decision if self.request else None


class DecisionRefused(Exception):
    def __init__(self, outcome: Outcome, message: str):
        self.outcome = outcome
        super().__init__(message)


def pipeline_summary(decision: Decision) -> str:
    text = f"{decision.status.capitalize()} by {decision.by} via vend {decision.via} from {decision.source}"
    return f"{text}: {decision.comment}" if decision.comment else text


class Decider:
    def __init__(self, store: Store, signer: Signer | None, pipelines: PipelineApprovals | None = None,
                 clock=time.time):
        self.store, self.signer, self.clock = store, signer, clock
        self.pipelines = pipelines if pipelines is not None else PipelineApprovals()

    def check(self, token: str) -> Outcome:
        now = self.clock()
        try:
            link = self.signer.verify(token, now)
        except TokenError as e:
            return Outcome(e.kind, detail=str(e))
        request = self.store.get(link.request_id)
        if request is None:
            return Outcome(UNKNOWN, link=link)
        return self._state(request, link, now)

    def _state(self, request: ApprovalRequest, link: Link | None, now: float) -> Outcome:
        if link is not None and not request.has_approver(link.approver):
            return Outcome(WRONG_APPROVER, request, link)
        if request.status == PENDING and now >= request.expires_at:
            self.store.expire(request.id, now)
            request = self.store.get(request.id)
        if request.status == PENDING:
            return Outcome(READY, request, link)
        if link is not None and request.decision and request.decision.link_id == link.link_id:
            return Outcome(REPLAYED, request, link)
        if request.status == EXPIRED:
            return Outcome(EXPIRED_LINK, request, link)
        return Outcome(ALREADY_DECIDED, request, link)

    def decide_link(self, token: str, *, source: str, comment: str = "") -> Outcome:
        """The POST from the confirmation page: decide what the link says, if it still may."""
        outcome = self.check(token)
        if outcome.kind != READY:
            return outcome
        link = outcome.link
        decision = Decision(link.request_id, APPROVED if link.action == APPROVE else REJECTED,
                            by=link.approver, at=self.clock(), source=source, via="web",
                            comment=comment.strip()[:COMMENT_MAX], link_id=link.link_id)
        return self._apply(outcome.request, decision, link)

    def decide(self, request_id: str, approved: bool, *, by: str, source: str, via: str = "cli",
               comment: str = "") -> Decision:
        """Decide without a link (the CLI). Raises DecisionRefused when the request is not open."""
        request = self.store.get(request_id)
        if request is None:
            raise DecisionRefused(Outcome(UNKNOWN), f"no approval request {request_id!r}")
        decision = Decision(request_id, APPROVED if approved else REJECTED, by=by, at=self.clock(),
                            source=source, via=via, comment=comment.strip()[:COMMENT_MAX])
        outcome = self._apply(request, decision, None)
        if outcome.kind != DECIDED:
            raise DecisionRefused(outcome, refusal(outcome))
        return outcome.decision

    def _apply(self, request: ApprovalRequest, decision: Decision, link: Link | None) -> Outcome:
        now = self.clock()
        if not self.store.decide(decision, now):
            return self._state(self.store.get(request.id), link, now)
        if request.pipeline is not None:
            p = request.pipeline
            try:
                self.pipelines.put_result(p.pipeline, p.stage, p.action, p.token,
                                          decision.status == APPROVED, pipeline_summary(decision),
                                          region=p.region)
            except PipelineError as e:
                self.store.undo(decision)
                return Outcome(NOT_DELIVERED, self.store.get(request.id), link, detail=str(e))
        return Outcome(DECIDED, self.store.get(request.id), link)


def refusal(outcome: Outcome) -> str:
    """One line saying why nothing was decided."""
    r, d = outcome.request, outcome.decision
    if outcome.kind == ALREADY_DECIDED and d:
        return f"{r.id} was already {d.status} by {d.by} ({d.via}); nothing changed"
    if outcome.kind == REPLAYED:
        return f"This link was already used to decide {r.id}; nothing changed"
    if outcome.kind == EXPIRED_LINK:
        return f"{r.id} expired before it was decided; nothing changed" if r else "The link has expired; nothing changed"
    if outcome.kind == NOT_DELIVERED:
        return f"CodePipeline did not accept the decision ({outcome.detail}); {r.id} is still pending"
    if outcome.kind == WRONG_APPROVER:
        return f"{outcome.link.approver} is not an approver of {r.id}; nothing changed"
    if outcome.kind == TAMPERED:
        return "The link is not valid (altered or incomplete); nothing changed"
    return "No such approval request; nothing changed"
