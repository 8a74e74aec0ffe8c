"""The pipeline, behind one interface with two engines.

    engine.push(location, ref) -> (execution id, status)   hand a revision to the pipeline, follow it

`LocalEngine` is the local runner (CodePipeline's stand-in: Source, Build, Approve, Deploy with
vend's agent over SSH). `CodePipelineEngine` hands the revision to the vended CodePipeline: it
zips it as the S3 source action reads it (appspec.yml at the zip's root) into the artifact bucket
at the action's key, takes the execution the upload triggered (EventBridge rule) or starts one
(StartPipelineExecution), and follows it stage by stage with the local runner's progress lines.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from vendor.deploy.zip_bundle import CONTENT_TYPE, zip_revision
from vendor.pipeline.follow import follow_execution
from vendor.pipeline.source import SourceStageError, fetch_source


TRIGGER_POLL = 3.0  # seconds between looks for the execution an upload started


class PushError(Exception):
    pass


class LocalEngine:
    name = "local"

    def __init__(self, runner):
        self.runner = runner

    def push(self, location: str, ref: str | None) -> tuple[str, str]:
        execution = self.runner.run(location, ref)
        return execution.id, execution.status


class CodePipelineEngine:
    name = "aws"

    def __init__(self, pipeline: str, source_key: str | None, artifacts, runs, deployments, work_dir: Path, *,
                 on_event, on_output, trigger_wait: float = 20.0, poll: float | None = None,
                 sleep: Callable[[float], None] | None = None, max_polls: int | None = None, build_logs=None,
                 build_stages: tuple[str, ...] = ("Build",), follow_command: str = "vend pipeline follow CONFIG"):
        self.pipeline, self.source_key = pipeline, source_key
        self.artifacts, self.runs, self.deployments, self.work_dir = artifacts, runs, deployments, Path(work_dir)
        self.on_event, self.on_output = on_event, on_output
        self.trigger_wait, self.poll, self.sleep, self.max_polls = trigger_wait, poll, sleep, max_polls
        self.build_logs, self.build_stages, self.follow_command = build_logs, build_stages, follow_command

    def push(self, location: str | None, ref: str | None) -> tuple[str, str]:
        version = self._upload(location, ref) if self.source_key else None
        execution_id = self._triggered(version) if version else None
        if execution_id:
            self.on_event("Pipeline", "Started", f"execution {execution_id} (started by the upload)")
        else:
            execution_id = self.runs.start(self.pipeline)
            self.on_event("Pipeline", "Started", f"execution {execution_id} of {self.pipeline}")
        return self.follow(execution_id)

    def follow(self, execution_id: str) -> tuple[str, str]:
        try:
            execution = follow_execution(self.runs, self.deployments, self.pipeline, execution_id, self.on_event,
                                         self.on_output, poll=self.poll, sleep=self.sleep, max_polls=self.max_polls,
                                         build_logs=self.build_logs, build_stages=self.build_stages)
        except KeyboardInterrupt:
            raise PushInterrupted(self.pipeline, execution_id, self.follow_command) from None
        return execution_id, execution.status

    def _upload(self, location: str | None, ref: str | None) -> str | None:
        work = self.work_dir / "source"
        try:
            revision = fetch_source(location or ".", ref, work)
            packed = zip_revision(revision.directory)
        except SourceStageError as e:
            raise PushError(str(e)) from e
        finally:
            shutil.rmtree(work, ignore_errors=True)
        metadata = {"commit": revision.commit} if revision.commit else {}
        version = self.artifacts.put(self.source_key, packed.data, CONTENT_TYPE, metadata)
        what = f"commit {revision.commit[:12]} {revision.subject}".strip() if revision.commit else f"directory {location}"
        self.on_event("Source", "Uploaded", f"{what}; {self.artifacts.uri(self.source_key)}"
                      + (f" version {version}" if version else ""))
        return version or "unversioned"

    def _triggered(self, version: str) -> str | None:
        """The execution the upload started through the EventBridge rule, if one shows up in time."""
        deadline = time.monotonic() + self.trigger_wait
        while True:
            for e in self.runs.recent(self.pipeline, 5):
                if version in e.source_revisions:
                    return e.id
            if time.monotonic() >= deadline:
                return None
            (self.sleep or time.sleep)(TRIGGER_POLL)


class PushInterrupted(Exception):
    """Ctrl-C while following: the execution keeps running on AWS."""

    def __init__(self, pipeline: str, execution_id: str, follow_command: str = "vend pipeline follow CONFIG"):
        super().__init__(f"still running: execution {execution_id} of {pipeline}; look again with "
                         f"`{follow_command} {execution_id}` or `aws codepipeline get-pipeline-execution "
                         f"--pipeline-name {pipeline} --pipeline-execution-id {execution_id}`")
        self.pipeline, self.execution_id = pipeline, execution_id
