"""CodePipeline's manual-approval notification (the SNS message), read into plain data.

Accepts the notification itself or an SNS envelope around it (`{"Type": ..., "Message": "..."}`).
`customData` may carry JSON with `customer`, `environment`, `approvers` for the gate. The message
comes from outside: every field is checked for its type, and links (which go into the approval
mail) must be https: or http:.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

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


def _kind(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {list: "a list", dict: "a mapping", str: "text", type(None): "null"}.get(type(value), "of another type")


def _text(doc: dict, key: str, where: str) -> str:
    value = doc.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise NotificationProblem(f"{where}{key} must be text, not {_kind(value)}")
    return value


def _link(doc: dict, key: str, where: str) -> str:
    """A link that goes into the approval mail: https: or http: only (never javascript:, data:)."""
    link = _text(doc, key, where)
    parts = urlsplit(link)
    if link and (parts.scheme.lower() not in ("https", "http") or not parts.netloc):
        raise NotificationProblem(f"{where}{key} '{link}' is not an https: or http: link")
    return link


def _custom(approval: dict) -> dict | None:
    """customData as JSON with customer, environment, approvers (checked), else None (free text)."""
    text = _text(approval, "customData", "approval.")
    try:
        custom = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
    if not isinstance(custom, dict):
        return None
    for key in ("customer", "environment"):
        if custom.get(key) is not None and not isinstance(custom[key], str):
            raise NotificationProblem(f"customData {key} must be text, not {_kind(custom[key])}")
    approvers = custom.get("approvers")
    if approvers is not None and (not isinstance(approvers, list) or not all(isinstance(a, str) for a in approvers)):
        raise NotificationProblem(f"customData approvers must be a list of email addresses, not {_kind(approvers)}")
    return custom


def parse(text: str) -> Notification:
    """The notification, every field used checked for its type (a NotificationProblem names the field)."""
    try:
        doc = json.loads(text)
        if isinstance(doc, dict) and isinstance(doc.get("Message"), str):
            doc = json.loads(doc["Message"])
    except json.JSONDecodeError as e:
        raise NotificationProblem(f"not JSON: {e.msg} at line {e.lineno}") from None
    approval = doc.get("approval") if isinstance(doc, dict) else None
    if not isinstance(approval, dict):
        raise NotificationProblem("no 'approval' object: not a CodePipeline approval notification")
    keys = ("pipelineName", "stageName", "actionName", "token", "expires")
    values = {k: _text(approval, k, "approval.") for k in keys}
    missing = [k for k in keys if not values[k]]
    if missing:
        raise NotificationProblem(f"approval is missing {', '.join(missing)}")
    return Notification(
        PipelineRef(values["pipelineName"], values["stageName"], values["actionName"], values["token"]),
        _expires(values["expires"]), _link(doc, "consoleLink", ""), _link(approval, "approvalReviewLink", "approval."),
        _custom(approval))
