"""AWS mode: the emulator with no local hosts. `vend push` zips the revision where the vended S3
source action reads it and starts the CodePipeline execution; `vend deploy` creates a CodeDeploy
deployment; both are followed to the end. The moto server (over HTTP) answers what it implements
(S3, StartPipelineExecution, GetPipelineExecution, CreateDeployment, ...); botocore's Stubber
answers what moto lacks (GetPipelineState, ListActionExecutions, ListDeploymentTargets,
BatchGetDeploymentTargets) and the statuses moto never advances (it runs no deployment)."""
from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from click.testing import CliRunner

from tests.aws.conftest import Cloud, copy_config, load
from tests.aws.partial_stub import PartialStubber
from tests.deploy.revisions import python_revision
from vendor.aws import clients, executor
from vendor.aws.calls import CallCounter
from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.aws.stack_ops import load_stack
from vendor.cli.main import cli
from vendor.deploy import follow as deploy_follow
from vendor.pipeline import follow as pipeline_follow

REGION = "eu-north-1"
BASE = "vend-awsmode-staging"
EVENTS = ("ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart",
          "ValidateService")


@pytest.fixture(scope="module")
def applied(moto_url, tmp_path_factory):
    """An environment applied into the emulator (its ASG has instances, none is a local host)."""
    tmp_path = tmp_path_factory.mktemp("aws-mode")
    cloud = Cloud(moto_url)
    ids = cloud.existing_network(REGION)
    cloud.certificate("*.shop.acme.example", shared=True, region=REGION)
    cloud.bake("awsmode", "staging", REGION)
    path = copy_config("acme-staging.yaml", tmp_path, {**ids, "customer: acme": "customer: awsmode",
                                                       "region: eu-west-1": f"region: {REGION}",
                                                       "repository: acme-shop": "repository: git@example.com:shop.git"})
    ctx = cloud.context(REGION, CallCounter())
    executor.apply(ctx, load_stack(ctx, load(path)).resources)
    instances = sorted(i["InstanceId"] for g in cloud.client("autoscaling", REGION).describe_auto_scaling_groups(
        AutoScalingGroupNames=[BASE])["AutoScalingGroups"] for i in g["Instances"])
    assert instances
    return cloud, path, instances


@pytest.fixture
def aws_mode(applied, moto_url, tmp_path, monkeypatch):
    """vend commands against the emulator, with Stubber answers for what moto lacks."""
    cloud, path, instances = applied
    key, secret = DUMMY_CREDENTIALS
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                        "VEND_STATE_DIR": str(tmp_path / "state")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(deploy_follow, "POLL", 0.01)
    monkeypatch.setattr(pipeline_follow, "POLL", 0.01)
    # Answers are registered on one stubber per service; every client vend makes shares them.
    stubs = {service: PartialStubber(cloud.client(service, REGION)) for service in ("codepipeline", "codedeploy")}
    real_client = clients.client

    def client(service, **kwargs):
        made = real_client(service, **kwargs)
        if service in stubs:
            stub = PartialStubber(made)
            stub.answers, stub.calls = stubs[service].answers, stubs[service].calls
            stub.activate()
        return made

    monkeypatch.setattr(clients, "client", client)
    return cloud, path, stubs, instances


def _codedeploy_runs(stubs, instances, deployment_info):
    """CodeDeploy, as it runs a deployment: InProgress twice, then Succeeded; each instance's
    lifecycle events advance one by one. Returns the ids of the deployments it saw succeed."""
    polls: dict[str, int] = {}
    succeeded: set[str] = set()

    def get_deployment(params):
        n = polls[params["deploymentId"]] = polls.get(params["deploymentId"], 0) + 1
        status = "Succeeded" if n >= 3 else "InProgress"
        if status == "Succeeded":
            succeeded.add(params["deploymentId"])
        info = {**deployment_info(params["deploymentId"]), "status": status,
                "deploymentOverview": {"Succeeded": len(instances) if status == "Succeeded" else 0,
                                       "InProgress": 0 if status == "Succeeded" else len(instances)}}
        return {"deploymentInfo": info}

    def targets(params):
        n = polls.get(params["deploymentId"], 0)
        done = len(EVENTS) if n >= 3 else 3 * n
        events = [{"lifecycleEventName": e, "status": "Succeeded" if i < done else "Pending"}
                  for i, e in enumerate(EVENTS)]
        return {"deploymentTargets": [{"deploymentTargetType": "InstanceTarget", "instanceTarget": {
            "deploymentId": params["deploymentId"], "targetId": t, "status": "Succeeded" if done == len(EVENTS)
            else "InProgress", "lifecycleEvents": events}} for t in params["targetIds"]]}

    stubs["codedeploy"].answer("get_deployment", get_deployment)
    stubs["codedeploy"].answer("list_deployment_targets", lambda p: {"targetIds": list(instances)})
    stubs["codedeploy"].answer("batch_get_deployment_targets", targets)
    return succeeded


def test_push_uploads_the_zip_the_source_action_reads_starts_and_follows(aws_mode, tmp_path):
    cloud, path, stubs, instances = aws_mode
    autoscaling = cloud.client("autoscaling", REGION)
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=BASE, HealthCheckType="EC2")  # as vended
    action = cloud.client("codepipeline", REGION).get_pipeline(name=BASE)["pipeline"]["stages"][0]["actions"][0]
    source = action["configuration"]
    assert source["S3ObjectKey"] == f"source/{BASE}.zip"
    executions = []

    def state(params):
        executions[:] = [e["pipelineExecutionId"] for e in cloud.client("codepipeline", REGION)
                         .list_pipeline_executions(pipelineName=BASE)["pipelineExecutionSummaries"]]
        return {"pipelineName": params["name"], "stageStates": [
            {"stageName": s, "latestExecution": {"pipelineExecutionId": executions[0], "status": "Succeeded"}}
            for s in ("Source", "Build", "Deploy")]}

    def actions(params):
        run = params["filter"]["pipelineExecutionId"]
        return {"actionExecutionDetails": [
            {"pipelineExecutionId": run, "stageName": "Source", "actionName": "Source", "status": "Succeeded",
             "output": {"executionResult": {"externalExecutionSummary": "Amazon S3 version id: v1"}}},
            {"pipelineExecutionId": run, "stageName": "Build", "actionName": "Build", "status": "Succeeded",
             "output": {"executionResult": {"externalExecutionId": f"{BASE}:b1", "externalExecutionSummary": ""}}},
            {"pipelineExecutionId": run, "stageName": "Deploy", "actionName": "Deploy", "status": "Succeeded",
             "output": {"executionResult": {"externalExecutionId": "d-7Q2B3C4D5"}}}]}

    stubs["codepipeline"].answer("get_pipeline_state", state)
    stubs["codepipeline"].answer("list_action_executions", actions)
    _codedeploy_runs(stubs, instances, lambda d: {"deploymentId": d, "applicationName": BASE,
                                                  "deploymentGroupName": BASE, "creator": "CodePipeline"})
    revision = python_revision(tmp_path / "app", version="7")

    result = CliRunner().invoke(cli, ["push", str(path), str(revision), "--trigger-wait", "0"])

    assert result.exit_code == 0, result.output
    s3 = cloud.client("s3", REGION)
    body = s3.get_object(Bucket=source["S3Bucket"], Key=source["S3ObjectKey"])["Body"].read()
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "appspec.yml" in names and "buildspec.yml" in names
    run = executions[0]
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Source   Uploaded   directory {revision}; s3://{source['S3Bucket']}/source/{BASE}.zip")
    assert lines[1] == f"Pipeline Started    execution {run} of {BASE}"
    assert lines[2:5] == ["Source   Succeeded  Amazon S3 version id: v1",
                          f"Build    Succeeded  {BASE}:b1", "Deploy   Succeeded  d-7Q2B3C4D5"]
    for instance in instances:
        assert [line for line in lines if line.startswith(f"  {instance} | ")] == [
            f"  {instance} | {e} Succeeded" for e in EVENTS]
    assert lines[-3:] == [f"Deploy   Succeeded  deployment d-7Q2B3C4D5: {len(instances)} succeeded",
                          f"auto-scaling group {BASE}: ELB health checks from now on (the app is deployed)",
                          f"execution {run}: Succeeded"]
    group = cloud.client("autoscaling", REGION).describe_auto_scaling_groups(AutoScalingGroupNames=[BASE])
    assert group["AutoScalingGroups"][0]["HealthCheckType"] == "ELB"  # EC2 until then: see the stack
    called = [op for op, _ in stubs["codepipeline"].calls]
    assert called[:2] == ["GetPipelineState", "ListActionExecutions"]

    status = CliRunner().invoke(cli, ["pipeline", "status", str(path), "--last", "1"])
    assert status.exit_code == 0, status.output
    assert status.output.splitlines() == [f"{run}  Succeeded", "  Source   Succeeded", "  Build    Succeeded",
                                          "  Deploy   Succeeded"]


def test_deploy_creates_a_codedeploy_deployment_and_follows_it(aws_mode, tmp_path):
    cloud, path, stubs, instances = aws_mode
    codedeploy = cloud.client("codedeploy", REGION)
    _codedeploy_runs(stubs, instances, lambda d: codedeploy.get_deployment(deploymentId=d)["deploymentInfo"])
    revision = python_revision(tmp_path / "app", version="8")

    result = CliRunner().invoke(cli, ["deploy", str(path), str(revision)])

    assert result.exit_code == 0, result.output
    [deployment] = codedeploy.list_deployments(applicationName=BASE, deploymentGroupName=BASE)["deployments"]
    location = codedeploy.get_deployment(deploymentId=deployment)["deploymentInfo"]["revision"]["s3Location"]
    assert location["bundleType"] == "zip" and location["key"].startswith("revisions/")
    body = cloud.client("s3", REGION).get_object(Bucket=location["bucket"], Key=location["key"],
                                                 VersionId=location["version"])["Body"].read()
    assert "appspec.yml" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    # the eTag too (without quotes): CodeDeploy checks the object, the agent gives hooks BUNDLE_ETAG
    head = cloud.client("s3", REGION).head_object(Bucket=location["bucket"], Key=location["key"],
                                                  VersionId=location["version"])
    assert location["eTag"] == head["ETag"].strip('"')
    sha = location["key"].removeprefix("revisions/").removesuffix(".zip")
    lines = result.output.splitlines()
    assert lines[0] == f"revision {sha[:12]} stored as s3://{location['bucket']}/{location['key']}"
    assert lines[1].startswith(f"deployment {deployment} created in {BASE}/{BASE}")
    assert f"deployment {deployment} of {sha[:12]}: Succeeded ({len(instances)} succeeded)" in lines
    assert len([line for line in lines if line.endswith("ValidateService Succeeded")]) == len(instances)

    releases = CliRunner().invoke(cli, ["releases", str(path)])
    assert releases.exit_code == 0, releases.output
    assert f"  {deployment}  {sha[:12]}  Created  by user" in releases.output


def test_rollback_deploys_an_earlier_revision_again_through_codedeploy(aws_mode, tmp_path):
    cloud, path, stubs, instances = aws_mode
    codedeploy = cloud.client("codedeploy", REGION)
    succeeded = _codedeploy_runs(stubs, instances, lambda d: codedeploy.get_deployment(deploymentId=d)["deploymentInfo"])

    def history(params):  # moto's records, with the statuses CodeDeploy reached (moto runs nothing)
        infos = codedeploy.batch_get_deployments(deploymentIds=params["deploymentIds"])["deploymentsInfo"]
        return {"deploymentsInfo": [{**d, "status": "Succeeded" if d["deploymentId"] in succeeded else d["status"]}
                                    for d in infos]}

    stubs["codedeploy"].answer("batch_get_deployments", history)
    shas = []
    for version in ("9", "10"):
        result = CliRunner().invoke(cli, ["deploy", str(path), str(python_revision(tmp_path / f"v{version}",
                                                                                   version=version))])
        assert result.exit_code == 0, result.output
        shas.append(result.output.split()[1])  # "revision <sha12> stored as ..."

    result = CliRunner().invoke(cli, ["rollback", str(path)])

    assert result.exit_code == 0, result.output
    newest = codedeploy.list_deployments(applicationName=BASE, deploymentGroupName=BASE)["deployments"]
    infos = {d["deploymentId"]: d for d in codedeploy.batch_get_deployments(deploymentIds=newest)["deploymentsInfo"]}
    again = next(d for d in infos.values() if d.get("description", "").startswith("vend rollback"))
    first = next(d for d in infos.values() if d.get("description") == f"vend deploy of {shas[0]}")
    assert again["revision"] == first["revision"]  # the same object version, from the artifact bucket
    assert again["description"] == f"vend rollback to {shas[0]}"
    assert f"deployment {again['deploymentId']} of {shas[0]}: Succeeded ({len(instances)} succeeded)" in result.output

    releases = CliRunner().invoke(cli, ["releases", str(path)])
    assert releases.exit_code == 0, releases.output
    assert f"  {again['deploymentId']}  {shas[0]}  Succeeded  by user" in releases.output.splitlines()[0]


def test_a_push_to_an_environment_never_applied_says_so(aws_mode, tmp_path):
    _, path, _, _ = aws_mode
    other = tmp_path / "nobody-staging.yaml"
    other.write_text(path.read_text().replace("customer: awsmode", "customer: nobody"))
    shutil.copytree(path.parent / "acme", tmp_path / "acme")

    result = CliRunner().invoke(cli, ["push", str(other), str(python_revision(tmp_path / "app")), "--engine", "aws"])

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.splitlines()[-1] == (
        "error: cannot store s3://vend-nobody-staging-123456789012-artifacts/source/vend-nobody-staging.zip: "
        "NoSuchBucket (the environment's artifact bucket does not exist: vend apply CONFIG first)")


def test_vend_ups_redeploy_of_new_hosts_goes_through_codedeploy_on_aws(aws_mode, tmp_path):
    """`vend up` gives new hosts the last good revision through the deployment engine: on AWS that
    is a CodeDeploy deployment of the revision CodeDeploy last deployed successfully."""
    from vendor.cli.up import _redeploy
    from vendor.config.loader import load_config

    cloud, path, stubs, instances = aws_mode
    codedeploy = cloud.client("codedeploy", REGION)
    succeeded = _codedeploy_runs(stubs, instances, lambda d: codedeploy.get_deployment(deploymentId=d)["deploymentInfo"])

    def history(params):
        infos = codedeploy.batch_get_deployments(deploymentIds=params["deploymentIds"])["deploymentsInfo"]
        return {"deploymentsInfo": [{**d, "status": "Succeeded" if d["deploymentId"] in succeeded else d["status"]}
                                    for d in infos]}

    stubs["codedeploy"].answer("batch_get_deployments", history)
    result = CliRunner().invoke(cli, ["deploy", str(path), str(python_revision(tmp_path / "v11", version="11"))])
    assert result.exit_code == 0, result.output
    sha = result.output.split()[1]
    before = set(codedeploy.list_deployments(applicationName=BASE, deploymentGroupName=BASE)["deployments"])

    _redeploy(load_config(path))

    [again] = set(codedeploy.list_deployments(applicationName=BASE, deploymentGroupName=BASE)["deployments"]) - before
    info = codedeploy.get_deployment(deploymentId=again)["deploymentInfo"]
    assert info["description"] == f"vend redeploy of {sha} to new instances"
    assert again in succeeded
