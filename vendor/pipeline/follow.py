"""Follow a CodePipeline execution stage by stage, with the local runner's progress lines.

`runs` reads CodePipeline (vendor.aws.pipeline_runs.PipelineRuns: GetPipelineExecution,
GetPipelineState, ListActionExecutions); `deployments` reads CodeDeploy
(vendor.aws.codedeploy.CodeDeploy). Each stage's status goes to `on_event(stage, status,
summary)` when it changes, like the local runner's; when the Deploy stage's CodeDeploy deployment
is known, its instances' lifecycle events go to `on_output(instance, line)` until it ends; the
Build stage's CodeBuild log lines go to `on_output("build", line)` as they arrive (`build_logs`;
`build_stages` names the stages whose actions are CodeBuild builds: the infrastructure pipeline's
are Plan and Apply, shown as `plan` and `apply`).
"""
from __future__ import annotations

import time
from collections.abc import Callable

from vendor.deploy.follow import counts, follow_deployment

POLL = 5.0
BUILD_STAGE = "Build"  # its CodeBuild action's external id is the build id; its log is shown
DEPLOY_STAGE = "Deploy"  # its CodeDeploy action's external id is the deployment id


def follow_execution(runs, deployments, pipeline: str, execution_id: str, on_event, on_output, *,
                     poll: float | None = None, sleep: Callable[[float], None] | None = None,
                     max_polls: int | None = None, build_logs=None, build_stages: tuple[str, ...] = (BUILD_STAGE,)):
    """Poll (every `poll` seconds, default POLL) until the execution has finished; return its
    last ExecutionInfo. KeyboardInterrupt leaves it running (the caller says how to look again)."""
    poll, sleep = POLL if poll is None else poll, sleep or time.sleep
    shown: dict[str, str] = {}
    followed: set[str] = set()
    polls = 0
    while True:
        execution = runs.execution(pipeline, execution_id)
        ours = {s.name: s for s in runs.stages(pipeline) if s.execution_id == execution_id}
        actions = runs.actions(pipeline, execution_id) if ours else []
        for name, stage in ours.items():
            mine = [a for a in actions if a.stage == name]
            if shown.get(name) != stage.status:
                shown[name] = stage.status
                on_event(name, stage.status, _summary(mine))
            for action in mine:
                if name in build_stages and build_logs is not None and action.external_id:
                    for line in build_logs.new_lines(action.external_id):
                        on_output(name.lower(), line)
                if name == DEPLOY_STAGE and action.external_id and action.external_id not in followed:
                    followed.add(action.external_id)
                    info = follow_deployment(deployments, action.external_id, on_output, poll=poll, sleep=sleep,
                                             max_polls=max_polls)
                    on_event(name, info.status, f"deployment {info.id}: {counts(info)}"
                             + (f"; {info.error}" if info.error else ""))
                    shown[name] = info.status
        polls += 1
        if execution.finished or (max_polls is not None and polls >= max_polls):
            return execution
        sleep(poll)


def _summary(actions) -> str:
    parts = []
    for a in actions:
        text = a.error or a.summary
        if a.external_id and a.external_id not in text:
            text = f"{text} ({a.external_id})" if text else a.external_id
        if text:
            parts.append(text)
    return "; ".join(parts)
