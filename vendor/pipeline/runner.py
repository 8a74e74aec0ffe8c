"""The local pipeline runner: the vended pipeline's stages, executed as CodePipeline would.

Source -> Build (buildspec.yml) -> Approve (email gate; when the config requires approval)
-> Deploy (the rollout). A failed stage ends the execution: a failed build never reaches
approval, a rejected or expired approval never deploys. Each stage's status and times are
recorded (see executions.py and stages.py) so `vend pipeline status` can show them; with a
`store`, the source (a zip at `source/<pipeline>.zip`, the key the vended S3 source action reads)
and the built revision are kept in the artifact bucket, and the revision is deployed from there:
its hooks get that object's BUNDLE_* variables, as the CodeDeploy agent gives them on AWS.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from vendor.approvals.model import Summary
from vendor.config.model import Config
from vendor.config.names import base
from vendor.config.source import SourceError
from vendor.deploy.bundle import Bundle, build_bundle
from vendor.deploy.lifecycle import S3Location
from vendor.pipeline.build import run_build
from vendor.pipeline.buildspec import load_buildspec
from vendor.pipeline.shown import as_users
from vendor.pipeline.executions import Execution, Executions
from vendor.deploy.zip_bundle import zip_revision
from vendor.pipeline.source import SourceStageError, fetch_source
from vendor.plan.delivery import SOURCE_ARCHIVE
from vendor.pipeline.stages import Event, StageFailed, ask, decided, run_stages

# (bundle, where the store kept it or None) -> a RolloutResult (ok, message); the deployment's hooks
# get the location as the agent gives them an S3 revision's (BUNDLE_*)
Deploy = Callable[[Bundle, S3Location | None], object]
Store = Callable[[str, bytes], S3Location]  # (key, data) -> where it is kept (bucket, key, version, etag)


def no_buildspec(location: str) -> str:
    """What to do with a revision that has no buildspec.yml (CodeBuild fails such a build too)."""
    return (f"{location}: the revision has no buildspec.yml at its root, and CodeBuild fails a build without one "
            "(YAML_FILE_ERROR). Add one (a build that only passes the revision on is `version: 0.2` with "
            f"`artifacts: {{files: ['**/*']}}`), or deploy the revision without a build: vend deploy CONFIG {location}")


def app_pipeline(slug: str) -> str:
    """The application pipeline's name (vend push); the infrastructure's is `infra.infra_pipeline`."""
    return f"vend-{slug}"


class PipelineRunner:
    def __init__(self, config: Config, executions: Executions, work_dir: Path, *, gate, deploy: Deploy,
                 build_timeout: float = 3600, on_event: Event | None = None, on_output=None,
                 store: Store | None = None):
        self.config, self.executions, self.work_dir = config, executions, Path(work_dir)
        self.store = store
        self.gate, self.deploy_fn, self.build_timeout = gate, deploy, build_timeout
        self.on_event = on_event or (lambda stage, status, summary: None)
        self.on_output = on_output

    def run(self, location: str, ref: str | None = None) -> Execution:
        execution = Execution(pipeline=app_pipeline(self.config.slug), source=location)
        work = self.work_dir / execution.id
        state: dict = {}
        return run_stages(execution, [
            ("Source", lambda: self._source(execution, location, ref, work, state)),
            ("Build", lambda: self._build(execution, location, work, state)),
            ("Approve", lambda: self._approve(execution, state)),
            ("Deploy", lambda: self._deploy(state))], self.executions, self.on_event)

    def _source(self, execution: Execution, location: str, ref: str | None, work: Path, state: dict):
        try:
            revision = fetch_source(location, ref, work / "source")
        except SourceStageError as e:
            raise StageFailed("Failed", str(e))
        execution.commit, state["source"] = revision.commit, revision
        what = (f"commit {revision.commit[:12]} {revision.subject}".strip() if revision.commit
                else f"directory {location}")
        # Kept where the vended pipeline's S3 source action reads it (the bucket is versioned).
        data = zip_revision(revision.directory, check_appspec=False).data if self.store else b""
        return "Succeeded", what + self._kept(SOURCE_ARCHIVE.format(base=app_pipeline(self.config.slug)), data)

    def _kept(self, key: str, data: bytes, state: dict | None = None) -> str:
        """Store an artifact in the pipeline's artifact store, as CodePipeline does (its location
        into `state["location"]`, when given)."""
        if not self.store:
            return ""
        where = self.store(key, data)
        if state is not None:
            state["location"] = where
        return f"; stored as s3://{where.bucket}/{where.key}"

    def _build(self, execution: Execution, location: str, work: Path, state: dict):
        source = state["source"].directory
        if not (source / "buildspec.yml").exists() and not (source / "buildspec.yml").is_symlink():
            raise StageFailed("Failed", no_buildspec(location))
        try:
            spec = load_buildspec(source / "buildspec.yml")
        except SourceError as e:
            raise StageFailed("Failed", "; ".join(str(p) for p in as_users(e.problems, source, location)))
        context = {"commit": state["source"].commit, "project": base(self.config), "region": self.config.region,
                   "initiator": f"codepipeline/{execution.pipeline}", "number": len(self.executions.all()),
                   "image": self.config.pipeline.build_image}
        result = run_build(spec, source, work / "build", timeout=self.build_timeout, on_output=self.on_output,
                           context=context)
        if not result.ok:
            raise StageFailed("Failed", f"{result.message} (log {result.log})")
        if result.artifact_dir is None:
            # CodeBuild uploads no output artifact without an `artifacts` section; the Deploy stage
            # then has no revision to deploy.
            raise StageFailed("Failed", "the build produced no output artifact: buildspec.yml has no artifacts "
                                        "section (add artifacts: files: ['**/*'] so Deploy gets the revision)")
        try:
            state["bundle"] = build_bundle(result.artifact_dir)
        except SourceError as e:
            shown = as_users(e.problems, result.artifact_dir, location, source_copy=source)
            raise StageFailed("Failed", "artifact: " + "; ".join(str(p) for p in shown))
        phases = ", ".join(f"{p.name} {p.seconds:.1f}s" for p in result.phases)
        note = f"; not applied locally: {', '.join(spec.not_applied)}" if spec.not_applied else ""
        note += f"; exported variables: {', '.join(result.exported)}" if result.exported else ""
        bundle = state["bundle"]
        note += "".join(f"; ignored: {w}" for w in bundle.appspec.warnings)
        return "Succeeded", f"revision {bundle.sha256[:12]} ({phases}){note}{self._kept(bundle.key, bundle.data, state)}"

    def _approve(self, execution: Execution, state: dict):
        p = self.config.pipeline
        if not p.require_approval:
            return "Skipped", "no approval required for this environment"
        source = state["source"]
        summary = Summary(revision=state["bundle"].sha256[:12], commit=source.commit[:12],
                          changes=(source.subject,) if source.subject else ())
        _, decision = ask(self.gate, self.config, summary, self.on_event)
        return "Succeeded", decided(decision)

    def _deploy(self, state: dict):
        result = self.deploy_fn(state["bundle"], state.get("location"))
        if not result.ok:
            rolled = f"; rolled back to {result.rolled_back_to[:12]}" if result.rolled_back_to else ""
            raise StageFailed("Failed", result.message + rolled)
        return "Succeeded", f"deployment {result.deployment_id} to {len(result.hosts)} host(s)"
