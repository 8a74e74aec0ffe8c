"""The delivery side of an environment: CodeBuild project, CodeDeploy application and deployment
group (attached to the auto-scaling group, so instances it launches get the last successful
revision), the CodePipeline Source -> Build -> Approve -> Deploy, and the EventBridge rule that
starts it when its source changes. Pure."""
from __future__ import annotations

import json

from vendor.config.model import Config
from vendor.plan import policies
from vendor.plan.naming import Facts, Names, arn
from vendor.plan.resources import Resource

BUILD, APP, GROUP, PIPELINE = "codebuild project", "codedeploy application", "deployment group", "pipeline"
RULE = "event rule"
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
        source_trigger(config, facts, n),
    ]


def triggered_by_rule(config: Config) -> bool:
    """S3 and CodeCommit sources start the pipeline through an EventBridge rule (their actions
    do not poll); a connection's source action starts it by itself."""
    return policies.source_provider(config) in ("S3", "CodeCommit")


def source_trigger(config: Config, facts: Facts, n: Names) -> Resource:
    """The EventBridge rule that starts the pipeline when its source changes: an upload of the
    source zip to the artifact bucket (the bucket sends its events to EventBridge), or a push to
    the CodeCommit branch."""
    if not triggered_by_rule(config):
        return Resource(RULE, f"{n.base}-source", present=False)
    source = config.pipeline.source
    if policies.source_provider(config) == "S3":
        pattern = {"source": ["aws.s3"], "detail-type": ["Object Created"],
                   "detail": {"bucket": {"name": [n.bucket]},
                              "object": {"key": [SOURCE_ARCHIVE.format(base=n.base)]}}}
    else:
        pattern = {"source": ["aws.codecommit"], "detail-type": ["CodeCommit Repository State Change"],
                   "resources": [arn(facts, "codecommit", source.repository)],
                   "detail": {"event": ["referenceCreated", "referenceUpdated"], "referenceType": ["branch"],
                              "referenceName": [source.branch]}}
    return Resource(RULE, f"{n.base}-source", {
        "description": f"start {n.base} when its source changes",
        "pattern": json.dumps(pattern, sort_keys=True, separators=(",", ":")),
        "target": arn(facts, "codepipeline", n.base), "role": role_arn(facts, n, "events")})


def approval_custom_data(config: Config) -> str:
    """The approval action's CustomData: JSON the approvals service reads (customer, environment,
    approvers); CodePipeline allows 500 characters (the config check says so)."""
    return json.dumps({"customer": config.customer, "environment": config.environment,
                       "approvers": list(config.pipeline.approvers)}, separators=(",", ":"))


def _action(name: str, category: str, provider: str, configuration: dict, inputs=(), outputs=(),
            timeout_minutes: int | None = None) -> dict:
    action = {"name": name, "category": category, "provider": provider, "configuration": configuration,
              "inputs": list(inputs), "outputs": list(outputs)}
    if timeout_minutes is not None:
        action["timeout_minutes"] = timeout_minutes
    return action


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
        approve = {"NotificationArn": arn(facts, "sns", n.topic), "CustomData": approval_custom_data(config)}
        timeout = config.pipeline.approval_timeout_hours * 60
        out.append({"name": "Approve", "actions": [_action("Approve", "Approval", "Manual", approve,
                                                           timeout_minutes=timeout)]})
    out.append({"name": "Deploy", "actions": [_action("Deploy", "Deploy", "CodeDeploy",
                                                      {"ApplicationName": n.base, "DeploymentGroupName": n.base},
                                                      ["build"])]})
    return out
