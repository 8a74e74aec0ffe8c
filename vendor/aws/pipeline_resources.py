"""CodeBuild project, CodeDeploy application and deployment group, and the CodePipeline, by name."""
from __future__ import annotations

from botocore.exceptions import ClientError

from vendor.aws.base import Handler, missing, retry_on, tag_list
from vendor.plan.resources import Observed

ROLE_NOT_READY = ("InvalidInputException", "InvalidStructureException", "InvalidRoleException")


def _project_args(props) -> dict:
    return {"source": {"type": "CODEPIPELINE", "buildspec": props["buildspec"]},
            "artifacts": {"type": "CODEPIPELINE"},
            "environment": {"type": "LINUX_CONTAINER", "image": props["image"], "computeType": props["compute"],
                            "privilegedMode": False},
            "serviceRole": props["role"],
            "logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": props["log_group"]}}}


class CodeBuildProject(Handler):
    kind = "codebuild project"

    def read(self, ctx, res, props):
        found = ctx.client("codebuild").batch_get_projects(names=[res.name])["projects"]
        if not found:
            return None
        p = found[0]
        return Observed(res.name, {"image": p["environment"]["image"], "compute": p["environment"]["computeType"],
                                   "role": p["serviceRole"],
                                   "log_group": p.get("logsConfig", {}).get("cloudWatchLogs", {}).get("groupName"),
                                   "buildspec": p["source"].get("buildspec")}, {"arn": p["arn"]})

    def create(self, ctx, res, props):
        codebuild = ctx.client("codebuild")
        retry_on(ROLE_NOT_READY, lambda: codebuild.create_project(
            name=res.name, tags=tag_list(ctx.tags, "key", "value"), **_project_args(props)),
            f"creating {res.key}", delay=ctx.delay, attempts=5)
        return Observed(res.name, props)

    def update(self, ctx, res, props, observed, changed):
        ctx.client("codebuild").update_project(name=res.name, **_project_args(props))
        return Observed(res.name, props, observed.attrs)

    def delete(self, ctx, res, observed):
        ctx.client("codebuild").delete_project(name=res.name)


class CodeDeployApplication(Handler):
    kind = "codedeploy application"

    def read(self, ctx, res, props):
        try:
            app = ctx.client("codedeploy").get_application(applicationName=res.name)["application"]
        except ClientError as error:
            if missing(error, "ApplicationDoesNotExistException"):
                return None
            raise
        return Observed(res.name, {"platform": app.get("computePlatform")})

    def create(self, ctx, res, props):
        ctx.client("codedeploy").create_application(applicationName=res.name, computePlatform=props["platform"],
                                                    tags=tag_list(ctx.tags))
        return Observed(res.name, props)

    def delete(self, ctx, res, observed):
        ctx.client("codedeploy").delete_application(applicationName=res.name)


def _group_args(props) -> dict:
    rollback = props["auto_rollback"]
    return {"serviceRoleArn": props["role"], "deploymentConfigName": props["config"],
            "autoScalingGroups": list(props["auto_scaling_groups"]),
            "loadBalancerInfo": {"targetGroupInfoList": [{"name": n} for n in props["target_groups"]]},
            "deploymentStyle": {"deploymentType": "IN_PLACE",
                                "deploymentOption": "WITH_TRAFFIC_CONTROL" if props["traffic_control"]
                                else "WITHOUT_TRAFFIC_CONTROL"},
            "autoRollbackConfiguration": {"enabled": bool(rollback), "events": list(rollback)}}


class DeploymentGroup(Handler):
    """Named like its application (one group per environment)."""

    kind = "deployment group"

    def read(self, ctx, res, props):
        try:
            g = ctx.client("codedeploy").get_deployment_group(applicationName=res.name,
                                                              deploymentGroupName=res.name)["deploymentGroupInfo"]
        except ClientError as error:
            if missing(error, "ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException"):
                return None
            raise
        rollback = g.get("autoRollbackConfiguration") or {}
        return Observed(g["deploymentGroupId"], {
            "role": g.get("serviceRoleArn"), "config": g.get("deploymentConfigName"),
            "auto_scaling_groups": [a.get("name") for a in g.get("autoScalingGroups", [])],
            "target_groups": [t.get("name") for t in (g.get("loadBalancerInfo") or {}).get("targetGroupInfoList", [])],
            "traffic_control": (g.get("deploymentStyle") or {}).get("deploymentOption") == "WITH_TRAFFIC_CONTROL",
            "auto_rollback": sorted(rollback.get("events", [])) if rollback.get("enabled") else []})

    def create(self, ctx, res, props):
        codedeploy = ctx.client("codedeploy")
        retry_on(("InvalidRoleException",), lambda: codedeploy.create_deployment_group(
            applicationName=res.name, deploymentGroupName=res.name, tags=tag_list(ctx.tags), **_group_args(props)),
            f"creating {res.key}", delay=ctx.delay, attempts=5)
        return Observed(res.name, props)

    def update(self, ctx, res, props, observed, changed):
        ctx.client("codedeploy").update_deployment_group(applicationName=res.name, currentDeploymentGroupName=res.name,
                                                         **_group_args(props))
        return Observed(observed.id, props)

    def delete(self, ctx, res, observed):
        ctx.client("codedeploy").delete_deployment_group(applicationName=res.name, deploymentGroupName=res.name)


def declaration(name: str, props) -> dict:
    stages = []
    for stage in props["stages"]:
        actions = [{"name": a["name"], "runOrder": 1, "configuration": dict(a["configuration"]),
                    "actionTypeId": {"category": a["category"], "owner": "AWS", "provider": a["provider"], "version": "1"},
                    "inputArtifacts": [{"name": i} for i in a["inputs"]],
                    "outputArtifacts": [{"name": o} for o in a["outputs"]],
                    **({"timeoutInMinutes": a["timeout_minutes"]} if "timeout_minutes" in a else {}),
                    **({"namespace": a["namespace"]} if "namespace" in a else {})}
                   for a in stage["actions"]]
        stages.append({"name": stage["name"], "actions": actions})
    return {"name": name, "roleArn": props["role"], "artifactStore": {"type": "S3", "location": props["bucket"]},
            "stages": stages}


def _stages(pipeline: dict) -> list[dict]:
    return [{"name": s["name"], "actions": [
        {"name": a["name"], "category": a["actionTypeId"]["category"], "provider": a["actionTypeId"]["provider"],
         "configuration": dict(a.get("configuration") or {}),
         "inputs": [i["name"] for i in a.get("inputArtifacts", [])],
         "outputs": [o["name"] for o in a.get("outputArtifacts", [])],
         **({"timeout_minutes": a["timeoutInMinutes"]} if a.get("timeoutInMinutes") is not None else {}),
         **({"namespace": a["namespace"]} if a.get("namespace") else {})}
        for a in s["actions"]]}
        for s in pipeline["stages"]]


class Pipeline(Handler):
    kind = "pipeline"

    def read(self, ctx, res, props):
        try:
            p = ctx.client("codepipeline").get_pipeline(name=res.name)["pipeline"]
        except ClientError as error:
            if missing(error, "PipelineNotFoundException"):
                return None
            raise
        return Observed(res.name, {"role": p["roleArn"], "bucket": p["artifactStore"]["location"],
                                   "stages": _stages(p)}, {"version": p.get("version")})

    def create(self, ctx, res, props):
        codepipeline = ctx.client("codepipeline")
        retry_on(ROLE_NOT_READY, lambda: codepipeline.create_pipeline(
            pipeline=declaration(res.name, props), tags=tag_list(ctx.tags, "key", "value")),
            f"creating {res.key}", delay=ctx.delay, attempts=5)
        return Observed(res.name, props)

    def update(self, ctx, res, props, observed, changed):
        ctx.client("codepipeline").update_pipeline(pipeline=declaration(res.name, props))
        return Observed(res.name, props)

    def delete(self, ctx, res, observed):
        ctx.client("codepipeline").delete_pipeline(name=res.name)


HANDLERS = [CodeBuildProject(), CodeDeployApplication(), DeploymentGroup(), Pipeline()]
