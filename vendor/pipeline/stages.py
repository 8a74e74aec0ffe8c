"""What the application and the infrastructure pipelines' stages share: running them in order,
recorded, as CodePipeline does; and the Approve stage's gate round.

Each stage is a function returning (status, summary): Succeeded or Skipped lets the next stage
run; a `StageFailed` (Failed, Rejected) ends the execution, and the stages after it are NotRun
("not run: Build failed"), as CodePipeline shows stages that did not run. The execution is saved
when a stage starts and when it ends, so `vend pipeline status` shows one in progress too.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from vendor.approvals.model import Decision, Summary
from vendor.config.model import Config
from vendor.pipeline.executions import Execution, Executions

Event = Callable[[str, str, str], None]  # (stage, status, summary)
Stage = tuple[str, Callable[[], tuple[str, str]]]  # (name, run) -> (status, summary)
PASSED = ("Succeeded", "Skipped")


class StageFailed(Exception):
    def __init__(self, status: str, summary: str):
        super().__init__(summary)
        self.status = status


def run_stages(execution: Execution, stages: Sequence[Stage], executions: Executions, on_event: Event) -> Execution:
    def save(name: str, record) -> None:
        executions.save(execution)
        on_event(name, record.status, record.summary)

    for name, run in stages:
        record = execution.stage(name)
        record.status, record.started = "InProgress", time.time()
        save(name, record)
        try:
            record.status, record.summary = run()
        except StageFailed as e:
            record.status, record.summary = e.status, str(e)
        except BaseException as e:  # a fault, not an outcome: end the execution (never left InProgress), then raise
            record.status, record.summary = "Failed", f"internal error: {type(e).__name__}: {e}"
            record.ended = execution.ended = time.time()
            execution.status = "Failed"
            _not_run(execution, record)
            save(name, record)
            raise
        record.ended = time.time()
        save(name, record)
        if record.status not in PASSED:
            execution.status = "Failed"
            _not_run(execution, record)
            break
    else:
        execution.status = "Succeeded"
    execution.ended = time.time()
    executions.save(execution)
    return execution


def _not_run(execution: Execution, failed) -> None:
    for stage in execution.stages:
        if stage.status == "Pending":
            stage.status, stage.summary = "NotRun", f"not run: {failed.name} {failed.status.lower()}"


def decided(decision: Decision) -> str:
    """`approved by ann@example.com: comment`, for a stage summary."""
    return f"{decision.status} by {decision.by}" + (f": {decision.comment}" if decision.comment else "")


def ask(gate, config: Config, summary: Summary, on_event: Event, *, poll: float = 1.0) -> tuple[str, Decision]:
    """Mail the config's approvers one request and wait: (request id, the approving decision).
    Raises StageFailed("Rejected") for a rejection or an expiry."""
    p = config.pipeline
    request = gate.request(customer=config.customer, environment=config.environment, approvers=list(p.approvers),
                           summary=summary, timeout=p.approval_timeout_hours * 3600)
    on_event("Approve", "Waiting", f"request {request.id} mailed to {', '.join(p.approvers)}")
    decision = gate.wait(request.id, timeout=p.approval_timeout_hours * 3600 + 60, poll=poll)
    if not decision.approved:
        raise StageFailed("Rejected", decided(decision))
    return request.id, decision
