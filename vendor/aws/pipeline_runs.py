"""CodePipeline executions: start one, read its status, its stages and its actions.

The only part of pushing that talks to CodePipeline; results are plain dataclasses and errors
leave as `PipelineError` (from `codepipeline`) with the AWS error code.
"""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from vendor.aws import clients
from vendor.aws.codepipeline import PipelineError

FINISHED = ("Succeeded", "Failed", "Stopped", "Superseded", "Cancelled")


@dataclass(frozen=True)
class ExecutionInfo:
    id: str
    status: str  # InProgress | Stopped | Stopping | Succeeded | Superseded | Failed | Cancelled
    summary: str = ""
    source_revisions: tuple[str, ...] = ()  # revisionId of each source (an S3 object's version)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class ActionRun:
    stage: str
    action: str
    status: str  # InProgress | Abandoned | Succeeded | Failed
    summary: str = ""
    external_id: str = ""  # e.g. the CodeDeploy deployment id, the CodeBuild build id
    error: str = ""


@dataclass(frozen=True)
class StageRun:
    name: str
    status: str  # of the stage's latest execution
    execution_id: str  # the pipeline execution that stage execution belongs to


class PipelineRuns:
    def __init__(self, client=None, *, region: str | None = None):
        self._client, self.region = client, region

    @property
    def client(self):
        if self._client is None:
            self._client = clients.client("codepipeline", region=self.region)
        return self._client

    def start(self, pipeline: str) -> str:
        return self._call("start_pipeline_execution", name=pipeline)["pipelineExecutionId"]

    def execution(self, pipeline: str, execution_id: str) -> ExecutionInfo:
        e = self._call("get_pipeline_execution", pipelineName=pipeline,
                       pipelineExecutionId=execution_id)["pipelineExecution"]
        return ExecutionInfo(e["pipelineExecutionId"], e.get("status", "Unknown"), e.get("statusSummary") or "",
                             tuple(r.get("revisionId", "") for r in e.get("artifactRevisions", [])))

    def recent(self, pipeline: str, count: int = 10) -> list[ExecutionInfo]:
        """The newest executions, newest first."""
        found = self._call("list_pipeline_executions", pipelineName=pipeline,
                           maxResults=count)["pipelineExecutionSummaries"]
        return [ExecutionInfo(e["pipelineExecutionId"], e.get("status", "Unknown"), e.get("statusSummary") or "",
                              tuple(r.get("revisionId", "") for r in e.get("sourceRevisions", [])))
                for e in found]

    def stages(self, pipeline: str) -> list[StageRun]:
        """Each stage's latest execution, in pipeline order (GetPipelineState)."""
        state = self._call("get_pipeline_state", name=pipeline)
        return [StageRun(s["stageName"], (s.get("latestExecution") or {}).get("status", ""),
                         (s.get("latestExecution") or {}).get("pipelineExecutionId", ""))
                for s in state.get("stageStates", [])]

    def actions(self, pipeline: str, execution_id: str) -> list[ActionRun]:
        """The actions run by one execution (ListActionExecutions), oldest first."""
        runs, token = [], None
        while True:
            page = self._call("list_action_executions", pipelineName=pipeline,
                              filter={"pipelineExecutionId": execution_id}, **({"nextToken": token} if token else {}))
            for a in page.get("actionExecutionDetails", []):
                result = (a.get("output") or {}).get("executionResult") or {}
                error = (result.get("errorDetails") or {}).get("message", "")
                runs.append((a.get("startTime"), ActionRun(
                    a["stageName"], a["actionName"], a.get("status", ""), result.get("externalExecutionSummary") or "",
                    result.get("externalExecutionId") or "", error)))
            token = page.get("nextToken")
            if not token:
                break
        return [r for _, r in sorted(runs, key=lambda x: (x[0] is None, x[0] or 0))] if runs else []

    def _call(self, method: str, **kwargs) -> dict:
        try:
            return getattr(self.client, method)(**kwargs)
        except ClientError as e:
            err = e.response.get("Error", {})
            raise PipelineError(err.get("Code", "ClientError"), err.get("Message", str(e))) from e
        except BotoCoreError as e:
            raise PipelineError(type(e).__name__, str(e)) from e
