"""What an approval request and its decision are: plain data, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
EXPIRED = "expired"
STATUSES = (PENDING, APPROVED, REJECTED, EXPIRED)

APPROVE = "approve"
REJECT = "reject"
ACTIONS = (APPROVE, REJECT)


@dataclass(frozen=True)
class PipelineRef:
    """Where the decision goes on AWS: one manual-approval action and its current token."""

    pipeline: str
    stage: str
    action: str
    token: str
    region: str = ""  # the pipeline's region (from the notification); "" is the default region


@dataclass(frozen=True)
class Summary:
    """What is being approved. `changes` is empty when nothing is known about the last release;
    `plan` (lines of text) is what an infrastructure release will change in AWS."""

    revision: str = ""
    commit: str = ""
    ami: str = ""
    changes: tuple[str, ...] = ()
    details_url: str = ""
    plan: tuple[str, ...] = ()
    build: str = ""  # the build's result as the pipeline reports it (Succeeded, ...), when known


@dataclass(frozen=True)
class Decision:
    request_id: str
    status: str  # approved | rejected | expired
    by: str
    at: float
    source: str  # where from: client address, "cli on HOST", "timeout"
    via: str  # web | cli | timeout
    comment: str = ""
    link_id: str = ""

    @property
    def approved(self) -> bool:
        return self.status == APPROVED


@dataclass(frozen=True)
class ApprovalRequest:
    id: str
    customer: str
    environment: str
    approvers: tuple[str, ...]
    summary: Summary
    created_at: float
    expires_at: float
    pipeline: PipelineRef | None = None
    status: str = PENDING
    decision: Decision | None = field(default=None)

    @property
    def title(self) -> str:
        return f"{self.customer}/{self.environment}"

    @property
    def where(self) -> str:
        """Where the decision takes effect, for people."""
        if self.pipeline:
            p = self.pipeline
            return f"CodePipeline {p.pipeline} / {p.stage} / {p.action}"
        return "local pipeline gate"

    def is_open(self, now: float) -> bool:
        return self.status == PENDING and now < self.expires_at

    def has_approver(self, who: str) -> bool:
        return who.strip().lower() in {a.strip().lower() for a in self.approvers}


def link_deadline(created_at: float, expires_at: float) -> float:
    """When links expire: before the approval itself times out (15 min or a tenth of the window)."""
    margin = min(15 * 60.0, (expires_at - created_at) / 10)
    return expires_at - max(margin, 0.0)


def iso(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
