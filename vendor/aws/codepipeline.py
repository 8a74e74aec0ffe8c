"""CodePipeline manual approvals: read an approval's token, put its result.

The only part of approvals that talks to AWS. Errors leave as `PipelineError` with the AWS
error code, so callers need not know botocore.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import clients

SUMMARY_MAX = 512  # PutApprovalResult: result.summary is at most 512 characters


class PipelineError(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(f"{code}: {message}" if code else message)


@dataclass(frozen=True)
class PendingApproval:
    pipeline: str
    stage: str
    action: str
    token: str
    since: datetime | None = None  # when the approval started waiting


class PipelineApprovals:
    def __init__(self, client=None):
        self._client = client

    @property
    def client(self):
        if self._client is None:
            self._client = clients.client("codepipeline")
        return self._client

    def put_result(self, pipeline: str, stage: str, action: str, token: str, approved: bool,
                   summary: str) -> None:
        status = "Approved" if approved else "Rejected"
        text = summary if len(summary) <= SUMMARY_MAX else summary[:SUMMARY_MAX - 3] + "..."
        self._call("put_approval_result", pipelineName=pipeline, stageName=stage, actionName=action,
                   result={"summary": text, "status": status}, token=token)

    def pending(self, pipeline: str) -> list[PendingApproval]:
        """The approval actions of `pipeline` that are waiting now, with their tokens."""
        state = self._call("get_pipeline_state", name=pipeline)
        found = []
        for stage in state.get("stageStates", []):
            for action in stage.get("actionStates", []):
                latest = action.get("latestExecution") or {}
                token = latest.get("token")
                if token and latest.get("status") == "InProgress":
                    found.append(PendingApproval(pipeline, stage["stageName"], action["actionName"], token,
                                                 latest.get("lastStatusChange")))
        return found

    def approval_token(self, pipeline: str, stage: str, action: str) -> str | None:
        """The token of the waiting approval `stage`/`action`, or None when it is not waiting."""
        for p in self.pending(pipeline):
            if p.stage == stage and p.action == action:
                return p.token
        return None

    def _call(self, method: str, **kwargs):
        try:
            return getattr(self.client, method)(**kwargs)
        except ClientError as e:
            err = e.response.get("Error", {})
            raise PipelineError(err.get("Code", "ClientError"), err.get("Message", str(e))) from e
        except BotoCoreError as e:
            raise PipelineError(type(e).__name__, str(e)) from e
