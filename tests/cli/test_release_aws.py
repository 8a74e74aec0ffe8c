"""`vend release` on AWS, against the moto server: `--setup` vends the infrastructure pipeline
(S3 source -> CodeBuild Plan -> approval -> CodeBuild Apply) and converges; a release uploads the
config repository where the source action reads it, starts an execution (moto's
StartPipelineExecution) and follows it with the local runner's progress lines (botocore's Stubber
answers GetPipelineState and ListActionExecutions, which moto lacks); a pipeline older than the
config refuses to run. `vend release-stage apply` (what the Apply build runs) applies exactly a
plan artifact, and nothing when AWS drifted from the plan's base."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.aws.conftest import Cloud, copy_config
from tests.aws.partial_stub import PartialStubber
from vendor.aws.context import AwsContext
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.aws.observe import observe
from vendor.cli.main import cli
from vendor.pipeline import follow as pipeline_follow
from vendor.pipeline.buildspec import load_buildspec
from vendor.pipeline.infra import InfraRunner, Release
from vendor.pipeline.infra_build import SOURCE_INFO, source_info, write_plan
from vendor.pipeline.infra_source import committed_config
from vendor.plan.diff import plan_apply

REGION = "us-west-2"  # this module's own region of the session's moto server
PIPELINE = "vend-infrarel-staging-infra"
BUCKET = f"vend-infrarel-staging-123456789012-infra"
CONFIG = "configs/acme-staging.yaml"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=ann@shop.example", "-c", "user.name=Ann Example", *args],
                          cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def world(moto_url, tmp_path_factory):
    """A config repository whose staging environment asks ann@shop.example, and the env to reach moto."""
    tmp = tmp_path_factory.mktemp("release-aws")
    cloud = Cloud(moto_url)
    ids = cloud.existing_network(REGION)
    cloud.certificate("*.shop.acme.example", shared=True, region=REGION)
    repo = tmp / "repo"
    (repo / "configs").mkdir(parents=True)
    copy_config("acme-staging.yaml", repo / "configs", {
        **ids, "customer: acme": "customer: infrarel", "region: eu-west-1": f"region: {REGION}",
        "    branch: develop": "    branch: develop\n  require_approval: true\n  approvers: [ann@shop.example]"})
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Add the staging environment")
    mp = pytest.MonkeyPatch()
    key, secret = DUMMY_CREDENTIALS
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                        "VEND_STATE_DIR": str(tmp / "state")}.items():
        mp.setenv(name, value)
    for name in ("AWS_PROFILE", "VEND_BUILDER"):
        mp.delenv(name, raising=False)
    yield cloud, repo
    mp.undo()


def invoke(repo: Path, *args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def set_up(world):
    cloud, repo = world
    code, out = invoke(repo, "release", str(repo / CONFIG), "--engine", "aws", "--setup")
    assert code == 0, out
    return cloud, repo, out


def test_setup_vends_the_pipeline_with_vends_own_stages_and_converges(set_up, tmp_path):
    cloud, repo, out = set_up
    lines = out.splitlines()
    assert lines[0] == f"Setting up {PIPELINE} in {REGION} (endpoint {cloud.url}):"
    assert f"  + create pipeline {PIPELINE} ..." in lines
    package = lines[-2].rsplit(" ", 1)[1]
    assert lines[-2].startswith("Set up: ") and lines[-2].endswith(f"; vend for its builds at {package}")
    assert package.startswith(f"s3://{BUCKET}/vend/vend-") and package.endswith(".zip")
    assert lines[-1] == f"Release through it: vend release {repo / CONFIG} --engine aws [--commit SHA]"

    declared = cloud.client("codepipeline", REGION).get_pipeline(name=PIPELINE)["pipeline"]
    assert [s["name"] for s in declared["stages"]] == ["Source", "Plan", "Approve", "Apply"]
    assert declared["stages"][1]["actions"][0]["namespace"] == "Plan"
    assert declared["roleArn"] == f"arn:aws:iam::123456789012:role/vend-infra/{PIPELINE}-pipeline"
    projects = cloud.client("codebuild", REGION).batch_get_projects(names=[f"{PIPELINE}-plan", f"{PIPELINE}-apply"])
    for project in projects["projects"]:
        spec = tmp_path / f"{project['name']}.yml"
        spec.write_text(project["source"]["buildspec"])
        assert f"vend release-stage {project['name'].rsplit('-', 1)[1]} {CONFIG}" in \
            " ".join(c for p in load_buildspec(spec).phases for c in p.commands)
    body = cloud.client("s3", REGION).get_object(Bucket=BUCKET, Key=package.split("/", 3)[3])["Body"].read()
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert {"pyproject.toml", "vendor/cli/release_stage.py", "packer/plugins.pkr.hcl"} <= set(names)
    assert not any("__pycache__" in n for n in names)

    code, again = invoke(repo, "release", str(repo / CONFIG), "--engine", "aws", "--setup")
    assert code == 0, again
    assert again.splitlines()[1] == f"Set up: 0 created, 0 updated, 0 deleted; vend for its builds at {package}"


def _stubbed(monkeypatch, answers: dict):
    """Every codepipeline client vend makes answers `answers` (GetPipelineState, ...) from the Stubber."""
    real = AwsContext.client

    def client(self, service):
        made = real(self, service)
        if service == "codepipeline" and not getattr(made, "_vend_stubbed", False):
            stub = PartialStubber(made)
            for method, fn in answers.items():
                stub.answer(method, fn)
            stub.activate()
            made._vend_stubbed = True
        return made

    monkeypatch.setattr(AwsContext, "client", client)
    monkeypatch.setattr(pipeline_follow, "POLL", 0.01)


def test_a_release_uploads_the_repository_starts_the_pipeline_and_follows_it(set_up, monkeypatch):
    cloud, repo, _ = set_up
    codepipeline = cloud.client("codepipeline", REGION)

    def latest() -> str:
        return codepipeline.list_pipeline_executions(pipelineName=PIPELINE)["pipelineExecutionSummaries"][0][
            "pipelineExecutionId"]

    def state(params):
        return {"pipelineName": params["name"], "stageStates": [
            {"stageName": s, "latestExecution": {"pipelineExecutionId": latest(), "status": "Succeeded"}}
            for s in ("Source", "Plan", "Approve", "Apply")]}

    def actions(params):
        run = params["filter"]["pipelineExecutionId"]

        def action(stage, summary, external=""):
            result = {"externalExecutionSummary": summary, **({"externalExecutionId": external} if external else {})}
            return {"pipelineExecutionId": run, "stageName": stage, "actionName": stage, "status": "Succeeded",
                    "output": {"executionResult": result}}

        return {"actionExecutionDetails": [action("Source", "Amazon S3 version id: v1"),
                                           action("Plan", "", f"{PIPELINE}-plan:b1"),
                                           action("Approve", "approved by ann@shop.example"),
                                           action("Apply", "", f"{PIPELINE}-apply:b2")]}

    _stubbed(monkeypatch, {"get_pipeline_state": state, "list_action_executions": actions})
    commit = git(repo, "rev-parse", "HEAD")

    code, out = invoke(repo, "release", str(repo / CONFIG))  # --engine auto: the pipeline exists

    assert code == 0, out
    run = latest()
    lines = out.splitlines()
    assert lines[0].startswith(f"Source   Uploaded   commit {commit[:12]} Add the staging environment (Ann Example "
                               f"<ann@shop.example>, ")
    assert lines[0].split("; ")[1].startswith(f"s3://{BUCKET}/source/{PIPELINE}.zip")
    assert lines[1:] == [f"Pipeline Started    execution {run} of {PIPELINE}",
                         "Source   Succeeded  Amazon S3 version id: v1",
                         f"Plan     Succeeded  {PIPELINE}-plan:b1",
                         "Approve  Succeeded  approved by ann@shop.example",
                         f"Apply    Succeeded  {PIPELINE}-apply:b2",
                         f"execution {run} of {PIPELINE}: Succeeded"]
    body = cloud.client("s3", REGION).get_object(Bucket=BUCKET, Key=f"source/{PIPELINE}.zip")["Body"].read()
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert CONFIG in archive.namelist() and "configs/acme/provision.sh" in archive.namelist()
    info = json.loads(archive.read(SOURCE_INFO))
    assert (info["commit"], info["subject"], info["config"]) == (commit, "Add the staging environment", CONFIG)


def test_a_pipeline_older_than_the_config_is_not_started(set_up):
    cloud, repo, _ = set_up
    config = repo / CONFIG
    before = len(cloud.client("codepipeline", REGION).list_pipeline_executions(
        pipelineName=PIPELINE)["pipelineExecutionSummaries"])
    config.write_text(config.read_text().replace("approvers: [ann@shop.example]",
                                                 "approvers: [ann@shop.example, bob@shop.example]"))
    git(repo, "commit", "-qam", "Bob approves too")
    try:
        code, out = invoke(repo, "release", str(config), "--engine", "aws")
    finally:
        git(repo, "revert", "--no-edit", "HEAD")

    assert code == 2
    assert out.splitlines()[-1] == (
        f"error: {PIPELINE} is not what this vend and the config at HEAD want (update pipeline {PIPELINE}); "
        f"update it with: vend release {config} --engine aws --setup --commit HEAD")
    after = cloud.client("codepipeline", REGION).list_pipeline_executions(pipelineName=PIPELINE)
    assert len(after["pipelineExecutionSummaries"]) == before


def _extracted(repo: Path, dest: Path) -> Path:
    """The source as CodePipeline hands it to the builds: the repository at HEAD, no .git, with
    .vend-source.json (what `vend release --engine aws` zips)."""
    source = committed_config(repo / CONFIG, "HEAD", dest)
    (dest / SOURCE_INFO).write_bytes(source_info(source.revision, source.path))
    return dest


def _plan_artifact(cloud, repo: Path, tmp_path: Path, ami: str, name: str) -> Path:
    """The Plan stage's artifact (its plan half: the AMI is given, not baked)."""
    source = committed_config(repo / CONFIG, "HEAD", tmp_path / f"{name}-src")
    ctx = cloud.context(REGION)
    runner = InfraRunner(tmp_path / "state", connect=None, gate=None)
    rel = Release(source, tmp_path / f"{name}-work", ctx=ctx, ami_id=ami)
    rel.work.mkdir(parents=True)
    rel.plan = runner.make_plan(rel)
    write_plan(rel, tmp_path / name)
    return tmp_path / name / "plan.json"


def test_release_stage_apply_applies_exactly_the_plan_artifact_and_nothing_after_drift(set_up, tmp_path):
    cloud, repo, _ = set_up
    ami = cloud.bake("infrarel", "staging", REGION)
    plan = _plan_artifact(cloud, repo, tmp_path, ami, "first")
    artifact = json.loads(plan.read_text())
    assert (tmp_path / "first" / "variables.sh").read_text().splitlines()[0] == f"export PLAN_ID={artifact['plan_id']}"
    source = _extracted(repo, tmp_path / "source")

    code, out = invoke(repo, "release-stage", "apply", CONFIG, "--source", str(source), "--plan", str(plan))

    assert code == 0, out
    lines = out.splitlines()
    created = len([s for s in artifact["changes"].values() if s[0] == "create"])
    assert lines[0] == "Apply    InProgress "
    assert "  apply | + create log group /vend/infrarel/staging done" in lines
    assert lines[-1] == f"Apply    Succeeded  applied plan {artifact['plan_id']}: {created} created, 0 updated, 0 deleted"
    ctx = cloud.context(REGION)
    from vendor.aws.stack_ops import load_stack
    from vendor.config.loader import load_config
    st = load_stack(ctx, load_config(repo / CONFIG), ami_id=ami)
    assert {s.action for s in plan_apply(st.resources, observe(ctx, st.resources))} == {"keep"}

    # a config change is planned; then someone changes the same setting in AWS before Apply runs
    config = repo / CONFIG
    config.write_text(config.read_text() + "\nlogs:\n  retention_days: 14\n")  # staging's default: 30
    git(repo, "commit", "-qam", "Keep logs 14 days")
    second = _plan_artifact(cloud, repo, tmp_path, ami, "second")
    changed = json.loads(second.read_text())
    logs = cloud.client("logs", REGION)
    logs.put_retention_policy(logGroupName="/vend/infrarel/staging", retentionInDays=60)
    source = _extracted(repo, tmp_path / "source2")

    code, out = invoke(repo, "release-stage", "apply", CONFIG, "--source", str(source), "--plan", str(second))

    assert code == 1, out
    assert changed["changes"]["log group /vend/infrarel/staging"] == ["update", "/vend/infrarel/staging",
                                                                      {"retention_days": [30, 14]}]
    assert out.splitlines()[-1] == (
        f"Apply    Failed     AWS changed since plan {changed['plan_id']} was made, so nothing was applied (the "
        f"approval was for that plan): log group /vend/infrarel/staging: retention_days approved 30 -> 14, "
        f"now 60 -> 14; run vend release again to plan and ask again")
    group = logs.describe_log_groups(logGroupNamePrefix="/vend/infrarel/staging")["logGroups"][0]
    assert group["retentionInDays"] == 60


def test_release_stage_apply_refuses_what_is_not_a_plan_artifact(set_up, tmp_path):
    _, repo, _ = set_up
    bad = tmp_path / "plan.json"
    bad.write_text('{"format": 1, "plan_id": 7}')

    code, out = invoke(repo, "release-stage", "apply", CONFIG, "--plan", str(bad))

    assert code == 2
    assert out.splitlines() == [f"error: {bad}: plan_id, environment, region, ami, commit, config, config_sha256, "
                                "summary, changes missing or of the wrong type; not a plan artifact vend made"]
