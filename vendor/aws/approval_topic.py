"""The local pipeline runner's approval, asked the way CodePipeline asks: a manual-approval
notification published to the environment's approval topic.

The approvals service (the Lambda handler; in the sandbox the same handler in the sandbox
services, fed through the same SQS queue) opens the request and mails the approvers; the runner
then waits on the shared store as before. `TopicGate` has the gate's interface (`request`,
`wait`), so the runner does not know which one it has.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from datetime import datetime, timezone

from vendor.approvals.gate import Gate
from vendor.approvals.lambda_handler import request_id_for
from vendor.approvals.model import ApprovalRequest, Summary

STAGE = ACTION = "Approve"
OPEN_TIMEOUT = 60.0  # how long the service may take to open the request


class ServiceSilent(RuntimeError):
    """The approvals service did not open the request in time."""


def notification(*, pipeline: str, region: str, token: str, expires_at: float, custom: dict) -> str:
    """CodePipeline's approval notification (the SNS message body), as AWS documents it."""
    expires = datetime.fromtimestamp(expires_at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"region": region, "consoleLink": "", "approval": {
        "pipelineName": pipeline, "stageName": STAGE, "actionName": ACTION, "token": token, "expires": expires,
        "externalEntityLink": "", "approvalReviewLink": "", "customData": json.dumps(custom)}})


class TopicGate:
    def __init__(self, gate: Gate, sns, topic_arn: str, pipeline: str, *, open_timeout: float = OPEN_TIMEOUT,
                 clock=time.time, sleep=time.sleep):
        self.gate, self.sns, self.topic, self.pipeline = gate, sns, topic_arn, pipeline
        self.open_timeout, self.clock, self.sleep = open_timeout, clock, sleep

    def request(self, *, customer: str, environment: str, approvers, summary: Summary = Summary(),
                timeout: float | None = None, **_ignored) -> ApprovalRequest:
        token = str(uuid.uuid4())
        expires_at = self.clock() + (timeout or 7 * 24 * 3600.0)
        custom = {"customer": customer, "environment": environment, "approvers": list(approvers),
                  "summary": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(summary).items()}}
        region = self.topic.split(":")[3]
        self.sns.publish(TopicArn=self.topic, Subject=f"APPROVAL NEEDED: {self.pipeline}",
                         Message=notification(pipeline=self.pipeline, region=region, token=token,
                                              expires_at=expires_at, custom=custom))
        request_id = request_id_for(token)
        give_up = time.monotonic() + self.open_timeout
        while (found := self.gate.store.get(request_id)) is None:
            if time.monotonic() > give_up:
                raise ServiceSilent(f"the approvals service did not open {request_id} within {self.open_timeout:g} s "
                                    f"of the notification to {self.topic}; is it running (vend up)?")
            self.sleep(0.2)
        return found

    def wait(self, request_id: str, timeout: float, poll: float = 1.0):
        return self.gate.wait(request_id, timeout, poll)
