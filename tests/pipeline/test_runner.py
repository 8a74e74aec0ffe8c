"""The local pipeline runner: stages in order, recorded; a failed build never reaches approval;
a rejected approval never deploys; an approved one deploys for real to a local SSH host."""
from __future__ import annotations

import io
import subprocess
import zipfile
import threading
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from vendor.approvals.decisions import Decider
from vendor.approvals.gate import Gate
from vendor.approvals.settings import Settings
from vendor.approvals.store import Store
from vendor.config.loader import load_config
from vendor.deploy.history import GroupState
from vendor.deploy.lifecycle import S3Location
from vendor.deploy.rollout import Group, Rollout
from vendor.pipeline.executions import Executions
from vendor.pipeline.runner import PipelineRunner
from tests.deploy.revisions import MINIMAL, python_revision
from vendor.sandbox.build_env import missing_requirements

pytestmark = pytest.mark.skipif(bool(missing_requirements()), reason="builds need their build environment (root)")


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "shop-production.yaml"
    config.write_text(MINIMAL.read_text().replace("environment: staging", "environment: production")
                      .replace("    repository: shop", "    repository: shop\n  approvers: [ops@shop.example]")
                      .replace("  hosts: [shop.example.com]", "  hosts: [shop.example.com]\n  port: 8080"))
    return load_config(config).config, tmp_path


def _repo(tmp_path: Path, **kwargs) -> Path:
    repo = python_revision(tmp_path / "repo", **kwargs)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", "Ship version 1"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    return repo


def _runner(config, tmp_path, deploy, events, store=None):
    gate = Gate.from_settings(Settings.from_env())
    return PipelineRunner(config, Executions(tmp_path / "state", f"vend-{config.slug}"), tmp_path / "work",
                          gate=gate, deploy=deploy, on_event=lambda *e: events.append(e), store=store), gate


def _decide_when_requested(gate, approved: bool):
    def decide():
        store = gate.store
        for _ in range(200):
            pending = store.list(status="pending")
            if pending:
                Decider(store, gate.signer).decide(pending[0].id, approved, by="ops@shop.example", source="test")
                return
            threading.Event().wait(0.05)
    thread = threading.Thread(target=decide, daemon=True)
    thread.start()
    return thread


def test_failed_build_never_reaches_approval(env):
    config, tmp_path = env
    repo = _repo(tmp_path)
    (repo / "buildspec.yml").write_text("version: 0.2\nphases:\n  build:\n    commands: ['exit 7']\n")
    subprocess.run(["git", "-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qam", "break the build"], cwd=repo, check=True)
    deployed, events = [], []
    runner, gate = _runner(config, tmp_path, deployed.append, events)
    execution = runner.run(str(repo))
    assert [(s.name, s.status) for s in execution.stages] == [
        ("Source", "Succeeded"), ("Build", "Failed"), ("Approve", "NotRun"), ("Deploy", "NotRun")]
    assert execution.stage("Deploy").summary == "not run: Build failed"
    assert execution.status == "Failed" and deployed == []
    assert gate.store.list() == []


def test_rejected_approval_never_deploys(env):
    config, tmp_path = env
    deployed, events = [], []
    runner, gate = _runner(config, tmp_path, deployed.append, events)
    _decide_when_requested(gate, approved=False)
    execution = runner.run(str(_repo(tmp_path)))
    assert [(s.name, s.status) for s in execution.stages] == [
        ("Source", "Succeeded"), ("Build", "Succeeded"), ("Approve", "Rejected"), ("Deploy", "NotRun")]
    assert execution.stage("Approve").summary == "rejected by ops@shop.example"
    assert deployed == []


def test_approved_revision_is_deployed_to_a_local_host(env, local_hosts_factory):
    config, tmp_path = env
    hosts = local_hosts_factory(1)
    try:
        rollout = Rollout(hosts.hosts, Group("shop", "shop-production", "g"), GroupState(tmp_path / "state", "shop-production"))
        events = []
        runner, gate = _runner(config, tmp_path, lambda bundle, location: rollout.deploy(bundle.data, bundle.sha256, location), events)
        _decide_when_requested(gate, approved=True)
        execution = runner.run(str(_repo(tmp_path, version="7")))
        assert execution.status == "Succeeded", execution.stages
        assert execution.stage("Source").summary.endswith("Ship version 1")
        assert execution.stage("Approve").summary == "approved by ops@shop.example"
        with urllib.request.urlopen(f"http://{hosts.hosts[0].address}:8080/", timeout=5) as r:
            assert r.read().decode().endswith("version 7\n")
        assert ("Approve", "Waiting") in [(e[0], e[1]) for e in events]
        assert [e.status for e in Executions(tmp_path / "state", f"vend-{config.slug}").all()] == ["Succeeded"]
    finally:
        hosts.stop_all()


def test_source_archive_and_built_revision_are_kept_in_the_artifact_store(env):
    config, tmp_path = env
    repo = _repo(tmp_path)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    kept = {}

    def store(key, data):
        kept[key] = data
        return S3Location("artifacts", key, f"v-{len(kept)}", f"etag-{len(kept)}")

    deployed = []

    def deploy(bundle, location):
        deployed.append((bundle, location))
        return SimpleNamespace(ok=True, deployment_id="d-1", hosts=["h"])

    runner, gate = _runner(config, tmp_path, deploy, [], store=store)
    _decide_when_requested(gate, approved=True)
    execution = runner.run(str(repo))
    assert execution.status == "Succeeded", execution.stages
    [(bundle, location)] = deployed
    assert location == S3Location("artifacts", bundle.key, "v-2", "etag-2")  # the deployment's hooks get it
    source = f"source/vend-{config.slug}.zip"  # where the vended pipeline's S3 source action reads it
    assert sorted(kept) == sorted([source, bundle.key])
    assert kept[bundle.key] == bundle.data
    assert "appspec.yml" in zipfile.ZipFile(io.BytesIO(kept[source])).namelist()
    assert execution.stage("Source").summary.endswith(f"; stored as s3://artifacts/{source}")
    assert execution.stage("Build").summary.endswith(f"; stored as s3://artifacts/{bundle.key}")


def _commit(repo: Path, message: str) -> str:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", message], cwd=repo, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def test_build_knows_the_commit_region_and_pipeline_as_codebuild_does(env):
    config, tmp_path = env
    repo = _repo(tmp_path)
    (repo / "buildspec.yml").write_text("""version: 0.2
phases:
  build:
    commands:
      - echo "$CODEBUILD_RESOLVED_SOURCE_VERSION $AWS_REGION $CODEBUILD_INITIATOR" > built.txt
artifacts:
  files: ['**/*']
""")
    commit = _commit(repo, "record the build's variables")
    deployed = []
    runner, gate = _runner(config, tmp_path, lambda b, location: deployed.append(b) or SimpleNamespace(ok=True, deployment_id="d-1", hosts=["h"]), [])
    _decide_when_requested(gate, approved=True)
    execution = runner.run(str(repo))
    assert execution.status == "Succeeded", execution.stages
    built = (tmp_path / "work" / execution.id / "build" / "artifact" / "built.txt").read_text()
    assert built == f"{commit} {config.region} codepipeline/vend-{config.slug}\n"


def test_artifact_problems_end_the_execution_with_a_clear_message(env):
    config, tmp_path = env
    repo = _repo(tmp_path)
    for text, summary in (
            ("artifacts:\n  files: [/etc/passwd]\n",
             "UPLOAD_ARTIFACTS failed: CLIENT_ERROR: artifacts/files/0: '/etc/passwd' is outside the build's source "
             "directory; the local build collects artifacts only from there (write the path relative to "
             "$CODEBUILD_SRC_DIR)"),
            ("artifacts:\n  files: [dist/**/*]\n", "UPLOAD_ARTIFACTS failed: CLIENT_ERROR: no matching artifact paths found"),
            ("", "the build produced no output artifact: buildspec.yml has no artifacts section (add artifacts: "
                 "files: ['**/*'] so Deploy gets the revision)")):
        (repo / "buildspec.yml").write_text("version: 0.2\nphases:\n  build:\n    commands: [echo built]\n" + text)
        _commit(repo, "change the artifacts")
        runner, gate = _runner(config, tmp_path, lambda b: None, [])
        execution = runner.run(str(repo))
        assert [(s.name, s.status) for s in execution.stages][:2] == [("Source", "Succeeded"), ("Build", "Failed")]
        assert execution.status == "Failed"
        assert execution.stage("Build").summary.split(" (log ")[0] == summary


def test_committed_absolute_symlink_fails_the_execution_with_the_reason(env):
    """A committed absolute symlink ends `vend push`'s execution as Failed at Source, naming the link (it crashed and stayed InProgress)."""
    config, tmp_path = env
    repo = _repo(tmp_path)
    (repo / "passwd").symlink_to("/etc/passwd")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", "link"], cwd=repo, check=True)
    deployed, events = [], []
    runner, gate = _runner(config, tmp_path, deployed.append, events)
    execution = runner.run(str(repo))
    assert [(s.name, s.status) for s in execution.stages] == [
        ("Source", "Failed"), ("Build", "NotRun"), ("Approve", "NotRun"), ("Deploy", "NotRun")]
    assert "passwd: symlink to '/etc/passwd' points outside the repository" in execution.stage("Source").summary
    [recorded] = Executions(tmp_path / "state", f"vend-{config.slug}").all()
    assert (recorded.status, recorded.stage("Source").status) == ("Failed", "Failed")


def test_an_unexpected_failure_of_a_stage_ends_the_execution_as_failed(env):
    """Any unexpected error inside a stage ends the recorded execution as Failed with the reason; nothing stays InProgress."""
    config, tmp_path = env

    def deploy(bundle, location):
        raise OSError(28, "No space left on device")

    events = []
    runner, gate = _runner(config, tmp_path, deploy, events)
    _decide_when_requested(gate, approved=True)
    with pytest.raises(OSError):  # a fault, not an outcome: recorded, then raised
        runner.run(str(_repo(tmp_path)))
    [recorded] = Executions(tmp_path / "state", f"vend-{config.slug}").all()
    assert (recorded.status, recorded.stage("Deploy").status, recorded.ended is not None) == ("Failed", "Failed", True)
    assert recorded.stage("Deploy").summary == "internal error: OSError: [Errno 28] No space left on device"
    assert ("Deploy", "Failed", "internal error: OSError: [Errno 28] No space left on device") in events


def test_a_revision_without_buildspec_fails_the_build_saying_so_and_how_to_deploy_it_unbuilt(env):
    """3 of 5 public CodeDeploy revisions have no buildspec.yml (issue 21): CodeBuild fails such a
    build (YAML_FILE_ERROR), so the build fails here too, saying why and what to do instead of
    "file not found" naming a work copy."""
    config, tmp_path = env
    repo = _repo(tmp_path)
    (repo / "buildspec.yml").unlink()
    _commit(repo, "no build")
    runner, gate = _runner(config, tmp_path, lambda b: None, [])
    execution = runner.run(str(repo))
    assert [(s.name, s.status) for s in execution.stages] == [
        ("Source", "Succeeded"), ("Build", "Failed"), ("Approve", "NotRun"), ("Deploy", "NotRun")]
    assert execution.stage("Build").summary == (
        f"{repo}: the revision has no buildspec.yml at its root, and CodeBuild fails a build without one "
        "(YAML_FILE_ERROR). Add one (a build that only passes the revision on is `version: 0.2` with "
        f"`artifacts: {{files: ['**/*']}}`), or deploy the revision without a build: vend deploy CONFIG {repo}")


def test_buildspec_and_appspec_problems_name_the_users_file_not_a_work_copy(env):
    config, tmp_path = env
    repo = _repo(tmp_path)
    buildspec = (repo / "buildspec.yml").read_text()
    (repo / "buildspec.yml").write_text("version: 0.3\n")
    _commit(repo, "bad buildspec")
    runner, gate = _runner(config, tmp_path, lambda b: None, [])
    summary = runner.run(str(repo)).stage("Build").summary
    assert summary.startswith(f"{repo}/buildspec.yml:1 version: ") and str(tmp_path / "work") not in summary
    (repo / "buildspec.yml").write_text(buildspec)
    (repo / "appspec.yml").write_text((repo / "appspec.yml").read_text().replace("os: linux", "os: windows"))
    _commit(repo, "bad appspec")
    summary = runner.run(str(repo)).stage("Build").summary
    assert summary.startswith(f"artifact: {repo}/appspec.yml:") and str(tmp_path / "work") not in summary
