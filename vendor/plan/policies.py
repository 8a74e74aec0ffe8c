"""IAM trust and permission policies of an environment's roles. Pure.

Every statement names the environment's own resources by ARN. `*` appears only for actions AWS
does not scope to a resource (Describe*, the SSM agent's channels), listed in `UNSCOPED`.
"""
from __future__ import annotations

from vendor.config.model import Config
from vendor.plan.naming import Facts, Names, arn

VERSION = "2012-10-17"

SSM_AGENT = ["ssm:UpdateInstanceInformation", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
             "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetManifest",
             "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
             "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
             "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
             "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
             "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
             "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"]
# The reads of AWS's managed AWSCodeDeployRole that an in-place deployment to an ASG behind a
# target group uses.
DESCRIBE = ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeLifecycleHooks",
            "autoscaling:DescribeScalingActivities", "autoscaling:DescribeLaunchConfigurations",
            "autoscaling:DescribeNotificationConfigurations", "autoscaling:DescribePolicies",
            "autoscaling:DescribeScheduledActions", "autoscaling:DescribeWarmPool",
            "cloudwatch:DescribeAlarms", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus",
            "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeInstanceHealth", "tag:GetResources"]
UNSCOPED = frozenset(SSM_AGENT + DESCRIBE)
ASG_ACTIONS = ["autoscaling:CompleteLifecycleAction", "autoscaling:DeleteLifecycleHook",
               "autoscaling:PutLifecycleHook", "autoscaling:RecordLifecycleActionHeartbeat",
               "autoscaling:UpdateAutoScalingGroup", "autoscaling:SuspendProcesses",
               "autoscaling:ResumeProcesses", "autoscaling:EnterStandby", "autoscaling:ExitStandby",
               "autoscaling:CreateOrUpdateTags"]


# EC2 does not send aws:SourceAccount when it assumes an instance profile's role: a condition on it
# there would keep the instances from their credentials.
NO_SOURCE_CONTEXT = frozenset({"ec2.amazonaws.com"})


def trust(service: str, account: str) -> dict:
    """A service may assume the role only on behalf of this account (confused-deputy prevention:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if service not in NO_SOURCE_CONTEXT:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
    return {"Version": VERSION, "Statement": [statement]}


def _allow(sid: str, actions: list[str], resources: list[str], condition: dict | None = None) -> dict:
    statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def _doc(*statements: dict) -> dict:
    return {"Version": VERSION, "Statement": list(statements)}


def _bucket(facts: Facts, n: Names) -> tuple[str, str]:
    bucket = arn(facts, "s3", n.bucket, regional=False, account=False)
    return bucket, f"{bucket}/*"


def _logs(facts: Facts, n: Names) -> list[str]:
    group = arn(facts, "logs", f"log-group:{n.log_group}")
    return [group, f"{group}:log-stream:*"]


def instance(config: Config, facts: Facts, n: Names) -> dict:
    bucket, objects = _bucket(facts, n)
    database = arn(facts, "rds", f"db:{n.base}")
    return _doc(
        _allow("SsmAgent", SSM_AGENT, ["*"]),
        _allow("OwnParameters", ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
               [arn(facts, "ssm", f"parameter{n.parameters_prefix}*")]),
        _allow("OwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], _logs(facts, n)),
        _allow("ReadArtifacts", ["s3:GetObject", "s3:GetObjectVersion"], [objects]),
        _allow("ListArtifacts", ["s3:ListBucket"], [bucket]),
        _allow("OwnSecrets", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
               [arn(facts, "secretsmanager", f"secret:{n.secrets_prefix}*")]),
        _allow("DatabaseSecret", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
               [arn(facts, "secretsmanager", "secret:rds!db-*")],
               {"StringEquals": {"secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": database}}),
        # the env file writer baked into the image finds the endpoint and the secret's ARN here
        _allow("OwnDatabase", ["rds:DescribeDBInstances"], [database]),
    )


def codebuild(config: Config, facts: Facts, n: Names) -> dict:
    bucket, objects = _bucket(facts, n)
    return _doc(
        _allow("OwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], _logs(facts, n)),
        _allow("Artifacts", ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], [objects]),
        _allow("ArtifactBucket", ["s3:GetBucketAcl", "s3:GetBucketLocation"], [bucket]),
        _allow("Reports", ["codebuild:CreateReportGroup", "codebuild:CreateReport", "codebuild:UpdateReport",
                           "codebuild:BatchPutTestCases"], [arn(facts, "codebuild", f"report-group/{n.base}-*")]),
    )


def codedeploy(config: Config, facts: Facts, n: Names) -> dict:
    """With a launch-template ASG, CodeDeploy also needs ec2:RunInstances, ec2:CreateTags and
    iam:PassRole (https://docs.aws.amazon.com/codedeploy/latest/userguide/getting-started-create-service-role.html)."""
    instance_role = arn(facts, "iam", f"role/vend/{n.role('instance')}", regional=False)
    return _doc(
        _allow("Describe", DESCRIBE, ["*"]),
        _allow("LaunchFromTemplate", ["ec2:RunInstances", "ec2:CreateTags"],
               [arn(facts, "ec2", "*"), arn(facts, "ec2", "image/*", account=False)]),
        _allow("PassInstanceRole", ["iam:PassRole"], [instance_role],
               {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
        _allow("OwnAutoScalingGroup", ASG_ACTIONS,
               [arn(facts, "autoscaling", f"autoScalingGroup:*:autoScalingGroupName/{n.base}")]),
        _allow("OwnTargetGroup", ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
               [arn(facts, "elasticloadbalancing", f"targetgroup/{n.base}/*")]),
    )


def codepipeline(config: Config, facts: Facts, n: Names) -> dict:
    bucket, objects = _bucket(facts, n)
    application = arn(facts, "codedeploy", f"application:{n.base}")
    statements = [
        _allow("Artifacts", ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], [objects]),
        _allow("ArtifactBucket", ["s3:GetBucketVersioning", "s3:GetBucketLocation", "s3:ListBucket"], [bucket]),
        _allow("Build", ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
               [arn(facts, "codebuild", f"project/{n.base}")]),
        _allow("Deploy", ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
               [arn(facts, "codedeploy", f"deploymentgroup:{n.base}/{n.base}")]),
        _allow("Revisions", ["codedeploy:GetApplication", "codedeploy:GetApplicationRevision",
                             "codedeploy:RegisterApplicationRevision"], [application]),
        _allow("DeploymentConfig", ["codedeploy:GetDeploymentConfig"],
               [arn(facts, "codedeploy", f"deploymentconfig:{deployment_config(config)}")]),
    ]
    if config.pipeline.require_approval:
        statements.append(_allow("Approvals", ["sns:Publish"], [arn(facts, "sns", n.topic)]))
    source = config.pipeline.source
    if source.connection_arn:
        statements.append(_allow("Source", ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
                                 connection_arns(source.connection_arn)))
    elif source_provider(config) == "CodeCommit":
        statements.append(_allow("Source", ["codecommit:GetBranch", "codecommit:GetCommit",
                                            "codecommit:UploadArchive", "codecommit:GetUploadArchiveStatus",
                                            "codecommit:CancelUploadArchive"],
                                 [arn(facts, "codecommit", source.repository)]))
    return _doc(*statements)


def connection_arns(connection_arn: str) -> list[str]:
    """A connection under both service prefixes: connections made since July 2024 have
    `codeconnections` ARNs, older ones `codestar-connections`; IAM checks the action's prefix
    against the ARN the pipeline names (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html)."""
    prefixes = ("codestar-connections", "codeconnections")
    parts = connection_arn.split(":")
    return [":".join([*parts[:2], prefix, *parts[3:]]) for prefix in prefixes]


def events(config: Config, facts: Facts, n: Names) -> dict:
    """EventBridge's role: start this environment's pipeline, nothing else."""
    return _doc(_allow("StartPipeline", ["codepipeline:StartPipelineExecution"],
                       [arn(facts, "codepipeline", n.base)]))


def deployment_config(config: Config) -> str:
    return {"one-at-a-time": "CodeDeployDefault.OneAtATime", "half-at-a-time": "CodeDeployDefault.HalfAtATime",
            "all-at-once": "CodeDeployDefault.AllAtOnce"}[config.deploy.strategy]


def source_provider(config: Config) -> str:
    """CodeStarSourceConnection with a connection; CodeCommit for a bare repository name; S3 (a
    source archive in the artifact bucket, uploaded by whoever pushes) for a path or git URL."""
    source = config.pipeline.source
    if source.connection_arn:
        return "CodeStarSourceConnection"
    plain = source.repository.replace("-", "").replace("_", "").replace(".", "")
    return "CodeCommit" if plain.isalnum() else "S3"
