"""The delivery side of an environment: CodeBuild project, CodeDeploy application and deployment
group, and the CodePipeline Source -> Build -> Approve -> Deploy. Pure."""
from __future__ import annotations

from vendor.config.model import Config
from vendor.plan import policies
from vendor.plan.naming import Facts, Names, arn
from vendor.plan.resources import Resource

BUILD, APP, GROUP, PIPELINE = "codebuild project", "codedeploy application", "deployment group", "pipeline"
COMPUTE = "BUILD_GENERAL1_SMALL"
SOURCE_ARCHIVE = "source/{base}.zip"


def role_arn(facts: Facts, n: Names, purpose: str) -> str:
    return arn(facts, "iam", f"role/vend/{n.role(purpose)}", regional=False)


def delivery(config: Config, facts: Facts, n: Names) -> list[Resource]:
    rollback = config.deploy.auto_rollback
    return [
        Resource(BUILD, n.base, {"image": config.pipeline.build_image, "compute": COMPUTE,
                                 "role": role_arn(facts, n, "codebuild"), "log_group": n.log_group,
                                 "buildspec": "buildspec.yml"}),
        Resource(APP, n.base, {"platform": "Server"}, immutable=("platform",)),
        Resource(GROUP, n.base, {
            "role": role_arn(facts, n, "codedeploy"), "config": policies.deployment_config(config),
            "auto_scaling_groups": [n.base], "target_groups": [n.base], "traffic_control": True,
            "auto_rollback": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"] if rollback else []}),
        Resource(PIPELINE, n.base, {"role": role_arn(facts, n, "codepipeline"), "bucket": n.bucket,
                                    "stages": stages(config, facts, n)}),
    ]


def _action(name: str, category: str, provider: str, configuration: dict, inputs=(), outputs=()) -> dict:
    return {"name": name, "category": category, "provider": provider, "configuration": configuration,
            "inputs": list(inputs), "outputs": list(outputs)}


def stages(config: Config, facts: Facts, n: Names) -> list[dict]:
    """The pipeline's stages, each {name, actions: [{name, category, provider, configuration,
    inputs, outputs}]}; configuration values are strings, as CodePipeline keeps them."""
    source = config.pipeline.source
    provider = policies.source_provider(config)
    if provider == "CodeStarSourceConnection":
        settings = {"ConnectionArn": source.connection_arn, "FullRepositoryId": source.repository,
                    "BranchName": source.branch, "OutputArtifactFormat": "CODE_ZIP"}
    elif provider == "CodeCommit":
        settings = {"RepositoryName": source.repository, "BranchName": source.branch,
                    "PollForSourceChanges": "false"}
    else:
        settings = {"S3Bucket": n.bucket, "S3ObjectKey": SOURCE_ARCHIVE.format(base=n.base),
                    "PollForSourceChanges": "false"}
    out = [{"name": "Source", "actions": [_action("Source", "Source", provider, settings, outputs=["source"])]},
           {"name": "Build", "actions": [_action("Build", "Build", "CodeBuild", {"ProjectName": n.base},
                                                 ["source"], ["build"])]}]
    if config.pipeline.require_approval:
        approve = {"NotificationArn": arn(facts, "sns", n.topic),
                   "CustomData": f"Approve the deploy of {config.customer}/{config.environment}"}
        out.append({"name": "Approve", "actions": [_action("Approve", "Approval", "Manual", approve)]})
    out.append({"name": "Deploy", "actions": [_action("Deploy", "Deploy", "CodeDeploy",
                                                      {"ApplicationName": n.base, "DeploymentGroupName": n.base},
                                                      ["build"])]})
    return out
