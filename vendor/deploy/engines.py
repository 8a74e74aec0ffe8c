"""The deployment, behind one interface with two engines.

    engine.deploy(revision_dir, echo) -> bool      put a revision on the fleet, following it
    engine.rollback(prefix, echo) -> bool          deploy an earlier good revision again
    engine.releases() -> list[Release]            the deployment history, oldest first
    engine.redeploy_last_good(echo) -> bool|None   the last good revision again (new hosts), None: none yet

`SshEngine` is vend's own CodeDeploy agent over SSH (the sandbox's local hosts, `--hosts`):
the rollout and the history kept in the state directory. `CodeDeployEngine` hands the revision
(a zip in the artifact bucket) to CodeDeploy's deployment group and follows it; the history is
CodeDeploy's, so every operator sees the same.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vendor.aws.codedeploy import S3Revision
from vendor.deploy.bundle import build_bundle
from vendor.deploy.follow import counts, follow_deployment
from vendor.deploy.history import DeploymentLocked
from vendor.deploy.lifecycle import S3Location
from vendor.deploy.zip_bundle import CONTENT_TYPE, revision_of_key, zip_revision

Echo = Callable[[str], None]


class EngineError(Exception):
    """Something the user can act on (no earlier revision, a busy group, ...)."""


@dataclass(frozen=True)
class Release:
    at: str
    deployment_id: str
    revision: str
    status: str
    detail: str = ""  # why it failed, what it rolled back to
    who: str = ""


def pick_rollback(good: list[str], prefix: str | None) -> str:
    """The revision to roll back to: the one `prefix` names, or the good one before the current."""
    if prefix:
        matches = sorted({g for g in good if g.startswith(prefix)})
        if len(matches) != 1:
            raise EngineError(f"{len(matches)} good revisions start with {prefix!r} (see vend releases)")
        return matches[0]
    earlier = [g for g in good if g != (good[-1] if good else None)]
    if not earlier:
        raise EngineError("no earlier good revision to roll back to (see vend releases)")
    return earlier[-1]


class SshEngine:
    name = "local"

    def __init__(self, rollout, state, report: Callable[[object, Echo], None], keep=None):
        """`rollout`: the Rollout, or a function making it (only once a deployment is sure to
        happen: a rollback with nothing to roll back to reaches no host)."""
        self._rollout, self.state, self.report = rollout, state, report
        self.keep = keep  # also store each new bundle in an artifact bucket, if given: -> its S3Location

    @property
    def rollout(self):
        if callable(self._rollout) and not hasattr(self._rollout, "deploy"):
            self._rollout = self._rollout()
        return self._rollout

    def deploy_bundle(self, data: bytes, revision: str, echo: Echo, location: S3Location | None = None) -> bool:
        try:
            result = self.rollout.deploy(data, revision, location)
        except DeploymentLocked as e:
            raise EngineError(str(e)) from e
        self.report(result, echo)
        return result.ok

    def deploy(self, revision_dir: Path, echo: Echo) -> bool:
        bundle = build_bundle(Path(revision_dir))
        for warning in bundle.appspec.warnings:  # accepted: CodeDeploy ignores it too
            echo(f"ignored: {warning}")
        location = self.keep(bundle) if self.keep else None
        return self.deploy_bundle(bundle.data, bundle.sha256, echo, location)

    def rollback(self, prefix: str | None, echo: Echo) -> bool:
        good = [r for r in self.state.releases() if r["status"] == "Succeeded"]
        target = pick_rollback([r["revision"] for r in good], prefix)
        return self._again(good, target, echo)

    def redeploy_last_good(self, echo: Echo) -> bool | None:
        good = [r for r in self.state.releases() if r["status"] == "Succeeded"]
        if not good:
            return None
        echo(f"deploying the last good revision {good[-1]['revision'][:12]} to the new hosts")
        return self._again(good, good[-1]["revision"], echo)

    def _again(self, good: list[dict], revision: str, echo: Echo) -> bool:
        """An earlier revision deployed again from where it was stored, as CodeDeploy's rollback
        does: its hooks get that location (the latest record of it that has one)."""
        kept = [S3Location.from_record(r) for r in good if r["revision"] == revision]
        location = next((k for k in reversed(kept) if k is not None), None)
        return self.deploy_bundle(self.state.bundle(revision), revision, echo, location)

    def releases(self) -> list[Release]:
        self.state.reap_stale_lock()  # a vend killed mid-deployment: recorded as Interrupted
        out = []
        for r in self.state.releases():
            detail = (_failure(r) if r["status"] == "Failed"
                      else r.get("message") or "" if r["status"] == "Interrupted" else "")
            out.append(Release(r.get("at") or "-", r.get("deployment_id") or "-", r["revision"], r["status"], detail,
                               r.get("who") or ""))
        return out


def _failure(record: dict) -> str:
    """`failed on web2; rolled back to 1a2b3c4d5e6f` with what the record knows (no placeholders)."""
    host, back = record.get("failed_host"), record.get("rolled_back_to")
    if not host:
        return f"rolled back to {back[:12]}" if back else ""
    return f"failed on {host}; " + (f"rolled back to {back[:12]}" if back else "not rolled back")


class CodeDeployEngine:
    name = "aws"

    def __init__(self, application: str, group: str, artifacts, deployments, on_output, *,
                 poll: float | None = None, sleep=None, max_polls: int | None = None):
        self.application, self.group = application, group
        self.artifacts, self.deployments, self.on_output = artifacts, deployments, on_output
        self.follow_args = {"poll": poll, "sleep": sleep, "max_polls": max_polls}

    def deploy(self, revision_dir: Path, echo: Echo) -> bool:
        revision = zip_revision(Path(revision_dir))
        stored = self.artifacts.store(revision.key, revision.data, CONTENT_TYPE, {"sha256": revision.sha256})
        echo(f"revision {revision.sha256[:12]} stored as {self.artifacts.uri(revision.key)}")
        # with its eTag: CodeDeploy checks the object against it, and the agent gives hooks BUNDLE_ETAG
        location = S3Revision(stored.bucket, stored.key, "zip", stored.version, stored.etag)
        return self._run(location, f"vend deploy of {revision.sha256[:12]}", echo)

    def rollback(self, prefix: str | None, echo: Echo) -> bool:
        good = [d for d in self.deployments.history(self.application, self.group)
                if d.status == "Succeeded" and d.revision]
        target = pick_rollback([revision_of_key(d.revision.key) for d in good], prefix)
        location = next(d.revision for d in reversed(good) if revision_of_key(d.revision.key) == target)
        return self._run(location, f"vend rollback to {target[:12]}", echo)

    def redeploy_last_good(self, echo: Echo) -> bool | None:
        good = [d for d in self.deployments.history(self.application, self.group)
                if d.status == "Succeeded" and d.revision]
        if not good:
            return None
        revision = revision_of_key(good[-1].revision.key)
        return self._run(good[-1].revision, f"vend redeploy of {revision[:12]} to new instances", echo)

    def releases(self) -> list[Release]:
        out = []
        for d in self.deployments.history(self.application, self.group):
            at = d.created.strftime("%Y-%m-%dT%H:%M:%SZ") if d.created else "-"
            revision = revision_of_key(d.revision.key) if d.revision else "-"
            out.append(Release(at, d.id, revision, d.status, d.error if d.status != "Succeeded" else "", d.creator))
        return out

    def _run(self, location: S3Revision, description: str, echo: Echo) -> bool:
        deployment_id = self.deployments.create(self.application, self.group, location, description)
        echo(f"deployment {deployment_id} created in {self.application}/{self.group} "
             f"(CodeDeploy runs it; Ctrl-C stops following, not the deployment)")
        try:
            info = follow_deployment(self.deployments, deployment_id, self.on_output, **self.follow_args)
        except KeyboardInterrupt:
            echo(f"still running: deployment {deployment_id}; look again with "
                 f"`aws deploy get-deployment --deployment-id {deployment_id}` or `vend releases CONFIG`")
            raise SystemExit(130)
        status = info.status + (f": {info.error}" if info.error else "")
        echo(f"deployment {deployment_id} of {revision_of_key(location.key)[:12]}: {status} ({counts(info)})")
        return info.status == "Succeeded"
