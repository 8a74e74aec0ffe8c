"""`vend release` through click on the embedded default (a moto server as AWS_ENDPOINT_URL, the
local builder): a staging release goes straight from plan to apply and is recorded; a second
release of the same commit reuses the AMI and changes nothing; bad input is one error line."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.aws.conftest import Cloud
from vendor.cli.main import cli
from vendor.cli.release import release
from vendor.pipeline.executions import Executions
from vendor.sandbox import locks
from vendor.sandbox.hosts import LocalHosts

BAKE_CONFIGS = Path(__file__).resolve().parents[1] / "bake" / "configs"
REGION = "ap-southeast-2"  # this module's own region of the session's moto server


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=ann@shop.example", "-c", "user.name=Ann Example", *args],
                          cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def free_slot(slots) -> tuple[str, str]:
    """A local-host test slot no LocalHosts holds now, for the command's own build hosts."""
    for prefix, subnet in slots:
        fd = locks.try_lock(LocalHosts(prefix, subnet=subnet).lock_path)
        if fd is not None:
            locks.release(fd)
            return prefix, subnet
    pytest.skip("all local-host test slots are busy")


@pytest.fixture
def repo(moto_url, tmp_path, monkeypatch):  # noqa: F811
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "VEND_STATE_DIR": str(tmp_path / "state")}.items():
        monkeypatch.setenv(name, value)
    for name in ("VEND_BUILDER", "AWS_PROFILE", "VEND_MAIL_TRANSPORT"):
        monkeypatch.delenv(name, raising=False)
    repo = tmp_path / "repo"
    (repo / "configs").mkdir(parents=True)
    shutil.copytree(BAKE_CONFIGS / "shop", repo / "configs" / "shop")
    (repo / "configs/shop-staging.yaml").write_text((BAKE_CONFIGS / "shop-local.yaml").read_text().replace(
        "environment: test", "environment: staging").replace("region: eu-west-1", f"region: {REGION}"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Add the shop's staging environment")
    return repo


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(release, list(args), catch_exceptions=False)
    return result.exit_code, result.output  # stdout and stderr


@pytest.mark.root
def test_a_staging_release_applies_without_approval_and_a_second_changes_nothing(repo, local_host_slots,
                                                                                   monkeypatch, moto_url):  # noqa: F811
    prefix, subnet = free_slot(local_host_slots)
    monkeypatch.setenv("VEND_BAKE_HOSTS_PREFIX", prefix)
    monkeypatch.setenv("VEND_BAKE_HOSTS_SUBNET", subnet)
    Cloud(moto_url).certificate("*.shop.example.com", shared=True, region=REGION)
    sha = git(repo, "rev-parse", "HEAD")
    config = str(repo / "configs/shop-staging.yaml")

    code, output = invoke(config, "--commit", sha)
    assert code == 0, output
    lines = [line for line in output.splitlines() if not line.startswith(("    ", "==>", "  apply |", "bake "))]
    assert f"Source   Succeeded  commit {sha[:12]} Add the shop's staging environment (Ann Example " in output
    assert any(line.startswith("Bake     Succeeded  baked ami-") for line in lines), output
    assert any(line.startswith("Plan     Succeeded  plan ") and " to create, 0 to update, 0 to delete, 0 unchanged"
               in line for line in lines), output
    assert "Approve  Skipped    no approval required for this environment" in lines
    assert "  apply | + create auto-scaling group vend-shop-staging done" in output
    assert lines[-1].startswith("execution ") and lines[-1].endswith(" of vend-shop-staging-infra: Succeeded")
    [execution] = Executions(repo.parent / "state", "vend-shop-staging-infra").all()
    assert [(s.name, s.status) for s in execution.stages] == [
        ("Source", "Succeeded"), ("Bake", "Succeeded"), ("Plan", "Succeeded"), ("Approve", "Skipped"),
        ("Apply", "Succeeded")]

    code, output = invoke(config)  # HEAD: the same commit
    assert code == 0, output
    assert "Bake     Succeeded  reused ami-" in output and "$ packer build" not in output
    assert "Approve  Skipped    nothing to change in AWS" in output
    assert "Apply    Skipped    nothing to change in AWS" in output

    result = CliRunner().invoke(cli, ["pipeline", "status", config, "--infra"])
    assert result.exit_code == 0, result.output
    executions = [line.split() for line in result.output.splitlines() if not line.startswith(" ")]
    assert [e[1] for e in executions] == ["Succeeded", "Succeeded"], result.output
    newest = [line.split()[:2] for line in result.output.splitlines() if line.startswith(" ")][:5]
    assert newest == [["Source", "Succeeded"], ["Bake", "Succeeded"], ["Plan", "Succeeded"],
                      ["Approve", "Skipped"], ["Apply", "Skipped"]], result.output


def test_bad_input_is_one_error_line_and_starts_nothing(repo, tmp_path):
    config = repo / "configs/shop-staging.yaml"
    code, output = invoke(str(config), "--commit", "nope")
    assert (code, output) == (2, f"error: {repo}: no commit 'nope' (give --commit with a branch, tag or commit)\n")

    config.write_text(config.read_text().replace("  keep: 2", "  keep: 0"))
    git(repo, "commit", "-qam", "Keep no images")
    code, output = invoke(str(config))
    sha = git(repo, "rev-parse", "HEAD")
    assert (code, output) == (2, f"{sha[:12]}:configs/shop-staging.yaml:22 image/keep: 0 is too small, the minimum "
                                 "is 1 (use 1 or more)\n")
    assert not (tmp_path / "state" / "pipelines" / "vend-shop-staging-infra").exists()


def test_a_second_release_of_the_same_environment_while_one_runs_is_refused(repo, tmp_path):
    state = tmp_path / "state"
    lock = state / "pipelines" / "vend-shop-staging-infra" / "release.lock"
    fd = locks.try_lock(lock)  # the running release's hold
    lock.write_text('{"execution": "0123456789ab", "commit": "' + "f" * 40 + '", "pid": 4242}')
    try:
        code, output = invoke(str(repo / "configs/shop-staging.yaml"))
    finally:
        locks.release(fd)
    assert (code, output) == (2, "error: vend-shop-staging-infra: execution 0123456789ab of commit ffffffffffff "
                                 "(pid 4242) is running; release again when it has ended "
                                 "(vend pipeline status CONFIG --infra)\n")
    assert Executions(state, "vend-shop-staging-infra").all() == []
    assert list((state / "pipelines" / "infra-work").iterdir()) == []


@pytest.mark.root
def test_the_aws_pipelines_build_steps_bake_plan_and_apply_exactly_that_plan(repo, local_host_slots, monkeypatch,
                                                                             moto_url, tmp_path):  # noqa: F811
    """`vend release-stage plan` and `apply`, what the infrastructure pipeline's CodeBuild projects run,
    on the source as CodePipeline hands it over (the repository at the commit, no .git): the same
    Bake, Plan and Apply stage code as the local runner."""
    from vendor.pipeline.infra_build import SOURCE_INFO, source_info
    from vendor.pipeline.infra_source import committed_config

    prefix, subnet = free_slot(local_host_slots)
    monkeypatch.setenv("VEND_BAKE_HOSTS_PREFIX", prefix)
    monkeypatch.setenv("VEND_BAKE_HOSTS_SUBNET", subnet)
    region = "ap-northeast-2"  # its own: the other tests here release the same environment in REGION
    config = repo / "configs/shop-staging.yaml"
    config.write_text(config.read_text().replace(f"region: {REGION}", f"region: {region}"))
    git(repo, "commit", "-qam", "Move staging")
    Cloud(moto_url).certificate("*.shop.example.com", shared=True, region=region)
    source = committed_config(config, "HEAD", tmp_path / "src")
    (tmp_path / "src" / SOURCE_INFO).write_bytes(source_info(source.revision, source.path))
    out = tmp_path / "plan"

    result = CliRunner().invoke(cli, ["release-stage", "plan", "configs/shop-staging.yaml", "--source",
                                      str(tmp_path / "src"), "--out", str(out)], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("Bake ", "Plan ", "plan artifact"))]
    assert lines[0] == "Bake     InProgress " and lines[2] == "Plan     InProgress "
    assert lines[1].startswith("Bake     Succeeded  baked ami-"), result.output
    artifact = json.loads((out / "plan.json").read_text())
    assert lines[3].startswith(f"Plan     Succeeded  plan {artifact['plan_id']}: {artifact['summary']}; AMI ")
    assert artifact["ami"] in lines[3] and artifact["ami"] in lines[1]
    assert lines[4] == f"plan artifact: {out / 'plan.json'}"
    assert artifact["commit"] == git(repo, "rev-parse", "HEAD") and artifact["config"] == "configs/shop-staging.yaml"
    assert (out / "variables.sh").read_text().splitlines()[0] == f"export PLAN_ID={artifact['plan_id']}"
    assert f"(plan {artifact['plan_id']}):" in (out / "plan.txt").read_text()

    result = CliRunner().invoke(cli, ["release-stage", "apply", "configs/shop-staging.yaml", "--source",
                                      str(tmp_path / "src"), "--plan", str(out / "plan.json")], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    # (IAM is global: roles an earlier test made for this environment in REGION are updates here)
    n = {a: sum(1 for change in artifact["changes"].values() if change[0] == a) for a in ("create", "update")}
    assert result.output.splitlines()[-1] == (f"Apply    Succeeded  applied plan {artifact['plan_id']}: {n['create']} "
                                              f"created, {n['update']} updated, 0 deleted"), result.output
