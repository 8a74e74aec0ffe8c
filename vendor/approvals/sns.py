"""CodePipeline's manual-approval notification (the SNS message), read into plain data.

Accepts the notification itself or an SNS envelope around it (`{"Type": ..., "Message": "..."}`).
`customData` may carry JSON with `customer`, `environment`, `approvers` for the gate.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from vendor.approvals.model import PipelineRef


class NotificationProblem(ValueError):
    pass


@dataclass(frozen=True)
class Notification:
    pipeline: PipelineRef
    expires_at: float
    console_link: str = ""
    review_link: str = ""
    custom: dict | None = None


def _expires(text: str) -> float:
    for fmt in ("%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            pass
    raise NotificationProblem(f"approval.expires {text!r} is not a UTC time like 2024-07-07T20:22Z")


def parse(text: str) -> Notification:
    try:
        doc = json.loads(text)
        if isinstance(doc, dict) and isinstance(doc.get("Message"), str):
            doc = json.loads(doc["Message"])
    except json.JSONDecodeError as e:
        raise NotificationProblem(f"not JSON: {e.msg} at line {e.lineno}") from None
    approval = doc.get("approval") if isinstance(doc, dict) else None
    if not isinstance(approval, dict):
        raise NotificationProblem("no 'approval' object: not a CodePipeline approval notification")
    missing = [k for k in ("pipelineName", "stageName", "actionName", "token", "expires")
               if not approval.get(k)]
    if missing:
        raise NotificationProblem(f"approval is missing {', '.join(missing)}")
    custom = None
    if approval.get("customData"):
        try:
            custom = json.loads(approval["customData"])
        except json.JSONDecodeError:
            custom = None
    return Notification(
        PipelineRef(approval["pipelineName"], approval["stageName"], approval["actionName"], approval["token"]),
        _expires(approval["expires"]), doc.get("consoleLink", ""), approval.get("approvalReviewLink", ""),
        custom if isinstance(custom, dict) else None)
