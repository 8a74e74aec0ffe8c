"""Follow a CodeDeploy deployment to its end: each instance's lifecycle events as they change.

`deployments` is anything with `deployment(id)` and `instances(id)` (vendor.aws.codedeploy.CodeDeploy).
Lines go to `on_output(instance, line)`, as the SSH rollout's hook output does:

    i-0abc | BeforeInstall Succeeded
    i-0abc | ApplicationStart Failed: ScriptFailed scripts/start.sh Script at specified location ... exited 1
"""
from __future__ import annotations

import time
from collections.abc import Callable

Output = Callable[[str, str], None]  # (instance, line)
POLL = 5.0


def follow_deployment(deployments, deployment_id: str, on_output: Output, *, poll: float | None = None,
                      sleep: Callable[[float], None] | None = None, max_polls: int | None = None):
    """Poll (every `poll` seconds, default POLL) until the deployment has finished; return its
    last DeploymentInfo. `max_polls` bounds the loop (None: until it finishes; CodeDeploy itself
    times deployments out)."""
    poll, sleep = POLL if poll is None else poll, sleep or time.sleep
    seen: dict[tuple[str, str], str] = {}
    polls = 0
    while True:
        info = deployments.deployment(deployment_id)
        for target in deployments.instances(deployment_id):
            for event in target.events:
                if event.status in ("Pending", "Unknown") or seen.get((target.id, event.name)) == event.status:
                    continue
                seen[(target.id, event.name)] = event.status
                line = f"{event.name} {event.status}" + (f": {event.message}" if event.message else "")
                on_output(target.id, line)
                for tail in event.log_tail.splitlines() if event.status == "Failed" else ():
                    on_output(target.id, f"{event.name}: {tail}")
        polls += 1
        if info.finished or (max_polls is not None and polls >= max_polls):
            return info
        sleep(poll)


def counts(info) -> str:
    """`3 succeeded, 1 failed` from a deployment's overview (only the non-zero counts)."""
    parts = [f"{info.overview[k]} {k.lower()}" for k in ("Succeeded", "Failed", "Skipped", "InProgress", "Pending")
             if info.overview.get(k)]
    return ", ".join(parts) or "no instances"
