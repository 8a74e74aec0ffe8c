"""The infrastructure pipeline: a committed config change is baked, planned, approved, applied.

Source (the config and its files as committed) -> Bake (a new AMI only when the image inputs
changed, i.e. the bake key; else the AMI of that key is reused) -> Plan (what apply would change,
launching this release's AMI) -> Approve (production, or pipeline/require_approval: every
approver is mailed the plan) -> Apply (exactly the approved plan; when it changed the launch
template, an instance refresh then replaces the running instances, as the plan told the approvers;
then the environment's AMIs beyond image/keep that nothing uses are retired, as `vend bake` does).

Exactly the approved plan:
- After the approval, AWS is read and planned again. If that plan's changes differ from the
  approved ones (AWS changed in between), nothing is applied: the approvers get a new request
  with the new plan and what changed, at most `max_rounds` requests in all, then the execution
  fails. A plan with nothing left to do (someone made the changes already) applies nothing.
- During apply every create, update and delete is checked, as read just before it is made,
  against the approved plan; one the plan does not cover stops the apply there (the execution
  fails, naming what was applied before it).

A commit whose config cannot be read starts no execution (there is no environment to record it
under): `run` raises the SourceError or SourceStageError. Executions are recorded under the
pipeline `vend-<customer>-<environment>-infra` in the state directory. One release of an
environment runs at a time: a second one started meanwhile raises ReleaseInProgress, naming the
running one, and changes nothing.
"""
from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from vendor.approvals.gate import WaitTimeout
from vendor.approvals.mailer import MailError
from vendor.approvals.model import Summary
from vendor.aws import executor
from vendor.aws.ami_rollout import AutoScalingRefresher, InstanceRefresher, RolloutError
from vendor.aws.base import StackError
from vendor.aws.images import ImageError
from vendor.aws.listener_rules import ListenerRulesError
from vendor.aws.observe import observe
from vendor.aws.stack_ops import Stack, load_stack
from vendor.bake.baker import Baker, BakeResult
from vendor.bake.images import CommitInfo
from vendor.bake.layers import LayerError
from vendor.bake.manifest import ManifestError
from vendor.bake.retention import prune, retention_plan
from vendor.plan.refresh import refresh_policy
from vendor.bake.runner import PackerError
from vendor.bake.target import BakeError
from vendor.config.source import SourceError
from vendor.pipeline.executions import Execution, Executions, StageRecord
from vendor.pipeline.infra_source import CommittedConfig, committed_config
from vendor.pipeline.stages import Event, StageFailed, ask, decided, run_stages
from vendor.plan import render_plan
from vendor.plan.approved import differences, fingerprint, is_empty, uncovered
from vendor.plan.diff import Step, plan_apply
from vendor.plan.priority import PriorityPlanError
from vendor.plan.release_summary import ami_line, plan_lines, replaces_instances
from vendor.plan.stack import ASG, LT
from vendor.sandbox import locks
from vendor.sandbox.errors import LocalHostsError

STAGES = ("Source", "Bake", "Plan", "Approve", "Apply")
MAX_ROUNDS = 3
FAILURES = (BakeError, PackerError, ImageError, LayerError, LocalHostsError, ManifestError, StackError,
            ListenerRulesError, PriorityPlanError, MailError, WaitTimeout, ClientError, BotoCoreError, SourceError)
Connect = Callable[[CommittedConfig, Path], tuple[object, Baker]]  # (config, work dir) -> (AwsContext, Baker)
Refresher = Callable[[object], InstanceRefresher]  # AwsContext -> what starts instance refreshes
Output = Callable[[str, str], None]  # (stage, line)


def infra_pipeline(slug: str) -> str:
    return f"vend-{slug}-infra"


def failure(error: Exception) -> str:
    """One line for a known failure."""
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"AWS refused {error.operation_name}: {err.get('Code')}: {err.get('Message')}"
    if isinstance(error, SourceError):
        return "; ".join(str(p) for p in error.problems)
    return str(error)


class ReleaseInProgress(Exception):
    """Another release of the same environment is running."""


class NotApproved(Exception):
    """Apply was about to make a change the approved plan does not cover."""


@dataclass(frozen=True)
class Planned:
    stack: Stack
    observed: dict
    steps: list[Step]

    @property
    def id(self) -> str:
        return fingerprint(self.steps)


@dataclass
class Release:
    """What the stages hand on: the committed config, where AWS is, the AMI, the plans."""

    source: CommittedConfig
    work: Path
    ctx: object = None  # AwsContext, from `connect` when the Bake stage starts
    baker: Baker | None = None
    bake: BakeResult | None = None
    ami_id: str | None = None  # the AMI this release launches (the bake's, or the approved plan's)
    forget: Callable[[str], None] | None = None  # drops a retired AMI's content kept outside EC2 (default: the baker's)
    plan: Planned | None = None
    approved: Planned | None = None
    applied: list[str] = field(default_factory=list)


class InfraRunner:
    def __init__(self, state_dir: Path, *, connect: Connect, gate, shared_certificate: str | None = None,
                 on_event: Event | None = None, on_output: Output | None = None, poll: float = 1.0,
                 max_rounds: int = MAX_ROUNDS, refresher: Refresher | None = None):
        self.state_dir, self.connect, self.gate = Path(state_dir), connect, gate
        self.refresher = refresher or (lambda ctx: AutoScalingRefresher(ctx.client("autoscaling")))
        self.shared_certificate, self.poll, self.max_rounds = shared_certificate, poll, max_rounds
        self.on_event = on_event or (lambda stage, status, summary: None)
        self.on_output = on_output or (lambda stage, line: None)

    def run(self, config: str | Path, commit: str) -> Execution:
        execution_id, started = uuid.uuid4().hex[:12], time.time()
        work = self.state_dir / "pipelines" / "infra-work" / execution_id
        try:
            source = committed_config(config, commit, work / "source")
            fd = self._one_at_a_time(infra_pipeline(source.config.config.slug), execution_id, source.revision.commit)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)  # no execution started: nothing of it is kept
            raise
        try:
            return self._run(source, work, execution_id, started)
        finally:
            locks.release(fd)

    def _one_at_a_time(self, pipeline: str, execution_id: str, commit: str) -> int:
        path = self.state_dir / "pipelines" / pipeline / "release.lock"
        fd = locks.try_lock(path)
        if fd is None:
            try:
                holder = json.loads(path.read_text())
                running = f"execution {holder['execution']} of commit {holder['commit'][:12]} (pid {holder['pid']})"
            except (OSError, ValueError, KeyError):
                running = "another release"
            raise ReleaseInProgress(f"{pipeline}: {running} is running; release again when it has ended "
                                    f"(vend pipeline status CONFIG --infra)")
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"execution": execution_id, "commit": commit, "pid": os.getpid()}).encode())
        return fd

    def _run(self, source: CommittedConfig, work: Path, execution_id: str, started: float) -> Execution:
        slug = source.config.config.slug
        execution = Execution(pipeline=infra_pipeline(slug), id=execution_id, started=started, source=source.path,
                              commit=source.revision.commit, stages=[StageRecord(s) for s in STAGES])
        record = execution.stage("Source")
        record.status, record.summary = "Succeeded", source.describe()
        record.started, record.ended = started, time.time()
        self.on_event("Source", record.status, record.summary)
        rel = Release(source, work)
        return run_stages(execution, [
            ("Bake", lambda: self.guarded(self.bake_stage, rel)),
            ("Plan", lambda: self.guarded(self.plan_stage, rel)),
            ("Approve", lambda: self.guarded(self._approve, rel)),
            ("Apply", lambda: self.guarded(self.apply_stage, rel)),
        ], Executions(self.state_dir, execution.pipeline), self.on_event)

    def guarded(self, stage, rel: Release) -> tuple[str, str]:
        try:
            return stage(rel)
        except FAILURES as e:
            raise StageFailed("Failed", failure(e)) from None

    # -- stages ----------------------------------------------------------------------------------

    def bake_stage(self, rel: Release) -> tuple[str, str]:
        rel.ctx, rel.baker = self.connect(rel.source, rel.work)
        r = rel.source.revision
        rel.bake = rel.baker.bake(rel.source.config, commit=r.commit, info=CommitInfo(r.date, r.author, r.subject))
        rel.ami_id = rel.bake.ami.id
        verb = "reused" if rel.bake.reused else "baked"
        return "Succeeded", f"{verb} {rel.bake.ami.id}: {rel.bake.reason}"

    def plan_stage(self, rel: Release) -> tuple[str, str]:
        rel.plan = self.make_plan(rel)
        return "Succeeded", (f"plan {rel.plan.id}: {render_plan.summary(rel.plan.steps)}; "
                             f"AMI {ami_line(rel.plan.steps, rel.ami_id)}")

    def _approve(self, rel: Release) -> tuple[str, str]:
        config = rel.source.config.config
        if is_empty(rel.plan.steps):
            return "Skipped", "nothing to change in AWS"
        if not config.pipeline.require_approval:
            rel.approved = rel.plan
            return "Skipped", "no approval required for this environment"
        planned, notes = rel.plan, ()
        for round_ in range(1, self.max_rounds + 1):
            request_id, decision = ask(self.gate, config, self._summary(rel, planned, notes), self.on_event,
                                       poll=self.poll)
            fresh = self.make_plan(rel)
            changed = differences(planned.steps, fresh.steps)
            if not changed or is_empty(fresh.steps):
                rel.approved = fresh if changed else planned
                left = "; AWS has the approved changes already, nothing is left to apply" if changed else ""
                rounds = f", request {round_} of at most {self.max_rounds}: AWS changed after the earlier " \
                         "approvals" if round_ > 1 else ""
                return "Succeeded", f"{decided(decision)} (plan {planned.id}, request {request_id}{rounds}){left}"
            self.on_event("Approve", "Stale", f"plan {planned.id} approved in {request_id} no longer holds "
                                              f"(AWS changed): {'; '.join(changed)}")
            notes = (f"AWS changed after {request_id} was approved by {decision.by}, so nothing was applied. "
                     f"This is the new plan; what changed since plan {planned.id}:", *changed)
            planned = fresh
        raise StageFailed("Failed", f"AWS changed after each of {self.max_rounds} approvals, so nothing was "
                                    f"applied; last: {'; '.join(changed)} (run vend release again)")

    def apply_stage(self, rel: Release) -> tuple[str, str]:
        status, summary = self._apply_plan(rel)
        return status, summary + self._prune(rel)

    def _apply_plan(self, rel: Release) -> tuple[str, str]:
        if rel.approved is None or is_empty(rel.approved.steps):
            return "Skipped", "nothing to change in AWS"
        approved = rel.approved

        def check(step: Step) -> None:
            reason = uncovered(approved.steps, step)
            if reason:
                raise NotApproved(reason)

        def progress(step: Step, phase: str) -> None:
            if phase == "done":
                rel.applied.append(f"{step.action} {step.key}")
                self.on_output("Apply", f"{render_plan.SYMBOLS[step.action]} {step.action} {step.key} done")

        try:
            outcome = executor.apply(rel.ctx, approved.stack.resources, progress=progress, check=check)
        except NotApproved as e:
            raise StageFailed("Failed", f"stopped before a change nobody approved: {e} (AWS changed during "
                                        f"apply); applied before: {', '.join(rel.applied) or 'nothing'}; "
                                        "run vend release again to plan and ask again") from None
        n = render_plan.counts(outcome.steps)
        return "Succeeded", (f"applied plan {approved.id}: {n['create']} created, {n['update']} updated, "
                             f"{n['delete']} deleted{self._refresh(rel, outcome)}")

    def _refresh(self, rel: Release, outcome: executor.Outcome) -> str:
        """Start the instance refresh the plan announced; say how it went (the apply stands either way)."""
        if not replaces_instances(rel.approved.steps):
            return ""
        policy = refresh_policy(rel.source.config.config)
        resources = rel.approved.stack.resources
        template = next(r for r in resources if r.kind == LT)
        group = next(r.name for r in resources if r.kind == ASG)
        version = int(outcome.known[template.key].attrs["version"])
        try:
            refresh = self.refresher(rel.ctx).start(group, template=template.name, version=version,
                                                    min_healthy_percentage=policy.min_healthy_percentage,
                                                    warmup_seconds=policy.warmup_seconds)
        except RolloutError as e:
            self.on_output("Apply", f"instance refresh not started: {e}")
            return f"; the running instances were not replaced (they keep the old launch template version): {e}"
        self.on_output("Apply", f"instance refresh {refresh} of {group} started (launch template version {version})")
        return f"; instance refresh {refresh} of {group} started (min healthy {policy.min_healthy_percentage}%)"

    def _prune(self, rel: Release) -> str:
        """Retire the environment's AMIs beyond image/keep that nothing uses, as `vend bake` does
        (the one this release uses is the newest, or in use). Housekeeping: the release stands if it fails."""
        config = rel.source.config.config
        ec2, say = rel.ctx.client("ec2"), (lambda line: self.on_output("Apply", line))
        try:
            retired = prune(ec2, retention_plan(ec2, rel.ctx.client("autoscaling"), config),
                            forget=rel.forget or rel.baker.target.forget, say=say)
        except (ClientError, BotoCoreError, ImageError, LayerError) as e:
            say(f"AMI retention not applied: {failure(e)}")
            return f"; AMIs beyond image/keep not retired: {failure(e)}"
        if not retired:
            return ""
        return f"; retired {len(retired)} AMI(s) beyond image/keep {config.image.keep}: {', '.join(retired)}"

    # -- helpers ---------------------------------------------------------------------------------

    def make_plan(self, rel: Release) -> Planned:
        st = load_stack(rel.ctx, rel.source.config, shared_certificate=self.shared_certificate,
                        ami_id=rel.ami_id)
        observed = observe(rel.ctx, st.resources)
        planned = Planned(st, observed, plan_apply(st.resources, observed))
        (rel.work / f"plan-{planned.id}.json").write_text(render_plan.as_json(
            planned.steps, environment=rel.source.config.config.slug, region=rel.ctx.region))
        blocked = [s for s in planned.steps if s.action == "blocked"]
        if blocked:  # apply would refuse it: nothing to approve
            raise StageFailed("Failed", "; ".join(f"{s.key}: {s.note}" for s in blocked))
        return planned

    def _summary(self, rel: Release, planned: Planned, notes: tuple[str, ...]) -> Summary:
        config, r, bake = rel.source.config.config, rel.source.revision, rel.bake
        image = (f"image: reused {bake.ami.id} (image inputs unchanged: same bake key)" if bake.reused
                 else f"image: baked {bake.ami.id} for this commit")
        title = f"Plan for {config.customer}/{config.environment} in {rel.ctx.region}"
        return Summary(revision=f"infrastructure plan {planned.id}", commit=r.commit,
                       ami=ami_line(planned.steps, bake.ami.id),
                       changes=(f"{r.subject} ({r.author}, {r.date}): {rel.source.path}", image, *notes),
                       plan=plan_lines(planned.steps, planned.observed, title=title, ami_id=bake.ami.id,
                                       refresh=refresh_policy(config)))
