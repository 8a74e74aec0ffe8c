"""`vend push` runs the pipeline on a git repository into real local hosts; `vend pipeline status` shows it."""
from __future__ import annotations

import re
import subprocess
import urllib.request
import uuid

from click.testing import CliRunner

from vendor.cli.main import cli
from tests.deploy.revisions import python_revision


def test_push_then_status(setup, tmp_path):
    config, hosts_file, hosts = setup
    repo = python_revision(tmp_path / "repo", version="5")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", "Version 5"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    runner = CliRunner()
    pushed = runner.invoke(cli, ["push", str(config), str(repo), "--ref", "main", "--hosts", str(hosts_file)])
    assert pushed.exit_code == 0, pushed.output
    assert "Approve  Skipped    no approval required for this environment" in pushed.output
    for host in hosts:
        with urllib.request.urlopen(f"http://{host.address}:8080/", timeout=5) as r:
            assert r.read().decode().endswith("version 5\n")
    status = runner.invoke(cli, ["pipeline", "status", str(config)])
    assert status.exit_code == 0
    lines = status.output.splitlines()
    assert lines[0].split()[1] == "Succeeded" and "Version" not in lines[0]
    assert [line.split()[:2] for line in lines[1:]] == [["Source", "Succeeded"], ["Build", "Succeeded"],
                                                         ["Approve", "Skipped"], ["Deploy", "Succeeded"]]


def test_broken_build_is_reported_and_not_deployed(setup, tmp_path):
    config, hosts_file, _ = setup
    source = python_revision(tmp_path / "src")
    (source / "buildspec.yml").write_text("version: 0.2\nphases:\n  build:\n    commands: ['exit 9']\n")
    result = CliRunner().invoke(cli, ["push", str(config), str(source), "--hosts", str(hosts_file)])
    assert result.exit_code == 1
    assert "Build    Failed     build failed: Error while executing command: exit 9. Reason: exit status 9" in result.output
    assert "Deploy   InProgress" not in result.output


def test_status_shows_an_approvers_terminal_escapes_escaped(tmp_path, monkeypatch):
    """A comment with terminal escapes, recorded in the Approve stage's summary, is printed escaped by `vend pipeline status`."""
    from tests.deploy.revisions import MINIMAL
    from vendor.pipeline.executions import Execution, Executions
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "shop-staging.yaml"
    config.write_text(MINIMAL.read_text())
    execution = Execution("vend-shop-staging", id="aaa", started=0.0, status="Succeeded", source="repo")
    execution.stage("Approve").status = "Succeeded"
    execution.stage("Approve").summary = "approved by ann@example.com: ok\x1b]0;owned\x07\x1b[1A\x1b[2K"
    Executions(tmp_path / "state", "vend-shop-staging").save(execution)
    result = CliRunner().invoke(cli, ["pipeline", "status", str(config)])
    assert result.exit_code == 0 and "\x1b" not in result.output
    assert "  Approve  Succeeded           approved by ann@example.com: ok\\x1b]0;owned\\x07\\x1b[1A\\x1b[2K\n" in result.output


def test_the_pipelines_deployment_hooks_see_where_the_artifact_store_kept_the_revision(setup, tmp_path, moto_url,
                                                                                       monkeypatch):
    """The local runner keeps the built revision in the environment's artifact bucket (the moto
    server here) and deploys it from there: the hooks get BUNDLE_BUCKET/KEY/VERSION/ETAG of that
    object, as the CodeDeploy agent gives them for the pipeline's S3 revision on AWS."""
    import boto3
    from vendor.approvals.gate import Gate
    from vendor.approvals.settings import Settings
    from vendor.cli.pipeline import _artifact_store
    from vendor.config.loader import load_config
    from vendor.config.names import base
    from vendor.deploy.history import GroupState
    from vendor.deploy.rollout import Group, Rollout
    from vendor.pipeline.executions import Executions
    from vendor.pipeline.runner import PipelineRunner
    from vendor.plan.naming import artifact_bucket
    from tests.cli.test_deploy_cmds import BUNDLE_HOOK, _bundle_env

    config, _, hosts = setup
    config.write_text(config.read_text().replace("customer: shop", f"customer: s{uuid.uuid4().hex[:10]}"))
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    cf = load_config(config)
    bucket = artifact_bucket(cf.config, "123456789012")  # moto's account
    s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url=moto_url)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    repo = python_revision(tmp_path / "repo", version="6", extra_hook=("AfterInstall", BUNDLE_HOOK, 30))
    rollout = Rollout(hosts, Group(base(cf.config), base(cf.config), "g"), GroupState(tmp_path / "state", "g"))
    runner = PipelineRunner(cf.config, Executions(tmp_path / "state", "p"), tmp_path / "work",
                            gate=Gate.from_settings(Settings.from_env()), store=_artifact_store(cf),
                            deploy=lambda bundle, location: rollout.deploy(bundle.data, bundle.sha256, location))
    execution = runner.run(str(repo))
    assert execution.status == "Succeeded", execution.stages
    key = re.search(rf"; stored as s3://{bucket}/(revisions/\S+)$", execution.stage("Build").summary).group(1)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert [_bundle_env(h) for h in hosts] == [{"BUNDLE_BUCKET": bucket, "BUNDLE_KEY": key,
                                                "BUNDLE_VERSION": head["VersionId"],
                                                "BUNDLE_ETAG": head["ETag"].strip('"')}] * 2
