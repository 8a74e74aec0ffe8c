"""CodePipeline's PutApprovalResult in the emulator (moto has none).

In the sandbox the local pipeline runner is CodePipeline's stand-in and follows the approvals
store; the approval service's handler still delivers every decision with PutApprovalResult, as
on AWS. Here that call is answered as AWS does for what the emulator can know: the pipeline
must exist (`PipelineNotFoundException`), a token is decided once
(`ApprovalAlreadyCompletedException`), and the result is kept (`approval_results` of the backend,
token -> {pipelineName, stageName, actionName, status, summary}) so tests can read it.
API: https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PutApprovalResult.html
`accept_approval_results()` is idempotent.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone


def accept_approval_results() -> None:
    from moto.codepipeline.responses import CodePipelineResponse
    from moto.core.exceptions import JsonRESTError

    if hasattr(CodePipelineResponse, "put_approval_result"):
        return

    def put_approval_result(self) -> str:
        backend = self.codepipeline_backend
        name, token = self._get_param("pipelineName"), self._get_param("token")
        if name not in backend.pipelines:
            raise JsonRESTError("PipelineNotFoundException", f"Account '{self.current_account}' does not have a "
                                f"pipeline with name '{name}'")
        results = backend.__dict__.setdefault("approval_results", {})
        if token in results:
            raise JsonRESTError("ApprovalAlreadyCompletedException", "The approval action has already been completed")
        result = self._get_param("result") or {}
        results[token] = {"pipelineName": name, "stageName": self._get_param("stageName"),
                          "actionName": self._get_param("actionName"), "status": result.get("status"),
                          "summary": result.get("summary")}
        return json.dumps({"approvedAt": datetime.now(timezone.utc).timestamp()})

    CodePipelineResponse.put_approval_result = put_approval_result
