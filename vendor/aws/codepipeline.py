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


@dataclass(frozen=True)
class ExecutionSummary:
    """What an approval is about: the source revision of the waiting execution and how the
    stage before the approval ended."""

    revision: str = ""
    commit: str = ""
    build: str = ""


class PipelineApprovals:
    """`client` serves the default region; `regional(region)` makes (or gives) the client of a
    pipeline in another region, so a decision reaches the region its approval is waiting in."""

    def __init__(self, client=None, regional=None):
        self._client = client
        self._regional = regional or (lambda region: clients.client("codepipeline", region=region))
        self._clients: dict[str, object] = {}

    @property
    def client(self):
        if self._client is None:
            self._client = clients.client("codepipeline")
        return self._client

    def client_for(self, region: str = ""):
        if not region or (self._client is not None and self._client.meta.region_name == region):
            return self.client
        if region not in self._clients:
            self._clients[region] = self._regional(region)
        return self._clients[region]

    def put_result(self, pipeline: str, stage: str, action: str, token: str, approved: bool,
                   summary: str, *, region: str = "") -> None:
        status = "Approved" if approved else "Rejected"
        text = summary if len(summary) <= SUMMARY_MAX else summary[:SUMMARY_MAX - 3] + "..."
        self._call("put_approval_result", pipelineName=pipeline, stageName=stage, actionName=action,
                   result={"summary": text, "status": status}, token=token, client=self.client_for(region))

    def execution_summary(self, pipeline: str, stage: str, *, region: str = "") -> ExecutionSummary:
        """The revision and build result of the execution waiting in `stage` (GetPipelineState,
        GetPipelineExecution); empty fields where CodePipeline does not say."""
        client = self.client_for(region)
        stages = self._call("get_pipeline_state", name=pipeline, client=client).get("stageStates", [])
        names = [s.get("stageName") for s in stages]
        if stage not in names:
            return ExecutionSummary()
        at = names.index(stage)
        build = ""
        if at > 0:
            before = stages[at - 1]
            build = f"{before['stageName']}: {(before.get('latestExecution') or {}).get('status', 'unknown')}"
        execution_id = (stages[at].get("latestExecution") or {}).get("pipelineExecutionId")
        if not execution_id:
            return ExecutionSummary(build=build)
        execution = self._call("get_pipeline_execution", pipelineName=pipeline, pipelineExecutionId=execution_id,
                               client=client)["pipelineExecution"]
        revisions = execution.get("artifactRevisions") or [{}]
        first = revisions[0]
        return ExecutionSummary(first.get("revisionSummary") or first.get("name", ""),
                                first.get("revisionId", ""), build)

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

    def _call(self, method: str, *, client=None, **kwargs):
        try:
            return getattr(client or self.client, method)(**kwargs)
        except ClientError as e:
            err = e.response.get("Error", {})
            raise PipelineError(err.get("Code", "ClientError"), err.get("Message", str(e))) from e
        except BotoCoreError as e:
            raise PipelineError(type(e).__name__, str(e)) from e
