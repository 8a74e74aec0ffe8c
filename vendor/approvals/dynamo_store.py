"""Approval requests in DynamoDB: the store of the vended approvals service (Lambda).

The same interface as the SQLite `Store` (add, get, list, pending, decide, undo, expire), so the
gate and the decider do not know which one they use. Single use holds as in SQLite: a decision
is one conditional UpdateItem (`status = pending AND expires_at > now`), so exactly one of any
number of concurrent deciders wins; adding a request whose id exists fails (`DuplicateRequest`),
which makes a redelivered SNS notification open nothing twice.

Takes a low-level DynamoDB client (made by `vendor.aws.clients`); items are plain strings and
numbers. Each item carries `ttl` (epoch seconds) so DynamoDB drops it 30 days after expiry.
"""
from __future__ import annotations

import json
from dataclasses import asdict

from vendor.approvals.model import (APPROVED, EXPIRED, PENDING, REJECTED, ApprovalRequest, Decision,
                                    PipelineRef, Summary)
from vendor.approvals.store import DuplicateRequest

KEEP_AFTER_EXPIRY = 30 * 24 * 3600
DECISION_FIELDS = ("decided_by", "decided_at", "decided_from", "decided_via", "comment", "link_id")


def _n(value: float) -> dict:
    return {"N": repr(float(value))}


def _s(value: str) -> dict:
    return {"S": value}


class DynamoStore:
    def __init__(self, client, table: str):
        self.client, self.table = client, table

    def __repr__(self) -> str:
        return f"DynamoStore({self.table})"

    def _conditional(self, **kwargs) -> bool:
        try:
            self.client.update_item(TableName=self.table, **kwargs)
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def add(self, request: ApprovalRequest) -> ApprovalRequest:
        item = {"id": _s(request.id), "customer": _s(request.customer), "environment": _s(request.environment),
                "approvers": _s(json.dumps(list(request.approvers))),
                "summary": _s(json.dumps(asdict(request.summary))),
                "created_at": _n(request.created_at), "expires_at": _n(request.expires_at),
                "status": _s(PENDING), "ttl": {"N": str(int(request.expires_at) + KEEP_AFTER_EXPIRY)}}
        if request.pipeline:
            item["pipeline"] = _s(json.dumps(asdict(request.pipeline)))
        try:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(id)")
        except self.client.exceptions.ConditionalCheckFailedException:
            raise DuplicateRequest(f"approval request {request.id} exists already") from None
        return request

    def get(self, request_id: str) -> ApprovalRequest | None:
        item = self.client.get_item(TableName=self.table, Key={"id": _s(request_id)},
                                    ConsistentRead=True).get("Item")
        return _from_item(item) if item else None

    def list(self, *, status: str | None = None, limit: int = 100) -> list[ApprovalRequest]:
        kwargs = {"TableName": self.table, "ConsistentRead": True}
        if status:
            kwargs.update(FilterExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":s": _s(status)})
        found = []
        for page in self.client.get_paginator("scan").paginate(**kwargs):
            found += [_from_item(i) for i in page.get("Items", [])]
        return sorted(found, key=lambda r: r.created_at, reverse=True)[:limit]

    def pending(self, now: float) -> list[ApprovalRequest]:
        return [r for r in self.list(status=PENDING) if r.is_open(now)]

    def decide(self, decision: Decision, now: float) -> bool:
        """Record `decision` if the request is still open; True if this call decided it."""
        if decision.status not in (APPROVED, REJECTED):
            raise ValueError(f"a decision approves or rejects, not {decision.status!r}")
        return self._conditional(
            Key={"id": _s(decision.request_id)},
            UpdateExpression=("SET #s = :new, decided_by = :by, decided_at = :at, decided_from = :src,"
                              " decided_via = :via, #c = :comment, link_id = :link"),
            ConditionExpression="attribute_exists(id) AND #s = :pending AND expires_at > :now",
            ExpressionAttributeNames={"#s": "status", "#c": "comment"},
            ExpressionAttributeValues={":new": _s(decision.status), ":by": _s(decision.by), ":at": _n(decision.at),
                                       ":src": _s(decision.source), ":via": _s(decision.via),
                                       ":comment": _s(decision.comment), ":link": _s(decision.link_id),
                                       ":pending": _s(PENDING), ":now": _n(now)})

    def undo(self, decision: Decision) -> bool:
        """Reopen a request whose decision could not be delivered (e.g. CodePipeline refused it)."""
        return self._conditional(
            Key={"id": _s(decision.request_id)},
            UpdateExpression="SET #s = :pending REMOVE " + ", ".join(
                "#c" if f == "comment" else f for f in DECISION_FIELDS),
            ConditionExpression="#s = :status AND decided_at = :at AND decided_by = :by",
            ExpressionAttributeNames={"#s": "status", "#c": "comment"},
            ExpressionAttributeValues={":pending": _s(PENDING), ":status": _s(decision.status),
                                       ":at": _n(decision.at), ":by": _s(decision.by)})

    def expire(self, request_id: str, now: float) -> bool:
        """Mark a pending request whose time is up as expired; True if this call did it."""
        return self._conditional(
            Key={"id": _s(request_id)},
            UpdateExpression=("SET #s = :expired, decided_by = :nobody, decided_at = :now,"
                              " decided_from = :timeout, decided_via = :timeout, #c = :empty"),
            ConditionExpression="attribute_exists(id) AND #s = :pending AND expires_at <= :now",
            ExpressionAttributeNames={"#s": "status", "#c": "comment"},
            ExpressionAttributeValues={":expired": _s(EXPIRED), ":nobody": _s("nobody"), ":now": _n(now),
                                       ":timeout": _s("timeout"), ":empty": _s(""), ":pending": _s(PENDING)})


def _text(item: dict, key: str) -> str:
    return item.get(key, {}).get("S", "")


def _number(item: dict, key: str) -> float:
    return float(item.get(key, {}).get("N", "0"))


def _from_item(item: dict) -> ApprovalRequest:
    status = _text(item, "status")
    decision = None
    if status != PENDING:
        decision = Decision(_text(item, "id"), status, _text(item, "decided_by"), _number(item, "decided_at"),
                            _text(item, "decided_from"), _text(item, "decided_via"), _text(item, "comment"),
                            _text(item, "link_id"))
    summary = json.loads(_text(item, "summary") or "{}")
    summary["changes"] = tuple(summary.get("changes", ()))
    summary["plan"] = tuple(summary.get("plan", ()))
    pipeline = json.loads(_text(item, "pipeline")) if "pipeline" in item else None
    return ApprovalRequest(
        id=_text(item, "id"), customer=_text(item, "customer"), environment=_text(item, "environment"),
        approvers=tuple(json.loads(_text(item, "approvers") or "[]")), summary=Summary(**summary),
        created_at=_number(item, "created_at"), expires_at=_number(item, "expires_at"),
        pipeline=PipelineRef(**pipeline) if pipeline else None, status=status, decision=decision)
