"""IAM policies of the infrastructure pipeline's roles (see infra_pipeline). Pure.

- pipeline: the pipeline's bucket, starting its two builds, publishing to its approval topic.
- plan: reading what the environment's plan observes (Describe/Get/List, unscoped where AWS has
  no resource-level permission for them), the bake (Packer's amazon-ebs calls: launch a build
  instance, make and tag the AMI), its logs and bucket.
- apply: the plan's reads, plus creating, changing and deleting exactly the kinds of resource an
  environment has, each named by the environment's ARNs where AWS lets a name be known before the
  resource exists (roles, buckets, log groups, topics, projects, pipelines, rules, databases,
  alarms, the auto-scaling group, the approvals service); EC2 and ELB ids are AWS's, so those
  actions are scoped to the account and region. It can never change the infrastructure pipeline
  itself (its roles, projects and pipeline are not the environment's names).
"""
from __future__ import annotations

from vendor.config.model import Config
from vendor.plan import approvals_service
from vendor.plan.naming import Facts, Names, arn
from vendor.plan.policies import _allow, _doc

READS = ["ec2:Describe*", "elasticloadbalancing:Describe*", "autoscaling:Describe*", "rds:Describe*",
         "cloudwatch:DescribeAlarms", "logs:DescribeLogGroups", "acm:DescribeCertificate", "acm:ListCertificates",
         "sns:ListTopics", "sqs:ListQueues", "ses:GetIdentityVerificationAttributes",
         "route53:ListResourceRecordSets", "servicequotas:GetServiceQuota", "tag:GetResources",
         "sts:GetCallerIdentity"]
NAMED_READS = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
               "iam:GetInstanceProfile", "iam:ListInstanceProfilesForRole"]
BAKE = ["ec2:AttachVolume", "ec2:AuthorizeSecurityGroupIngress", "ec2:CopyImage", "ec2:CreateImage",
        "ec2:CreateKeyPair", "ec2:CreateSecurityGroup", "ec2:CreateSnapshot", "ec2:CreateTags", "ec2:CreateVolume",
        "ec2:DeleteKeyPair", "ec2:DeleteSecurityGroup", "ec2:DeleteSnapshot", "ec2:DeleteVolume",
        "ec2:DeregisterImage", "ec2:DetachVolume", "ec2:GetPasswordData", "ec2:ModifyImageAttribute",
        "ec2:ModifyInstanceAttribute", "ec2:ModifySnapshotAttribute", "ec2:RegisterImage", "ec2:RunInstances",
        "ec2:StopInstances", "ec2:TerminateInstances"]
NETWORK = ["ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:DeleteSubnet",
           "ec2:ModifySubnetAttribute", "ec2:CreateInternetGateway", "ec2:AttachInternetGateway",
           "ec2:DetachInternetGateway", "ec2:DeleteInternetGateway", "ec2:AllocateAddress", "ec2:ReleaseAddress",
           "ec2:CreateNatGateway", "ec2:DeleteNatGateway", "ec2:CreateRouteTable", "ec2:DeleteRouteTable",
           "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:CreateRoute", "ec2:ReplaceRoute",
           "ec2:DeleteRoute", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
           "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:CreateLaunchTemplate",
           "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplate",
           "ec2:CreateTags", "ec2:RunInstances", "ec2:DeregisterImage", "ec2:DeleteSnapshot"]
LOAD_BALANCING = ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
                  "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
                  "elasticloadbalancing:CreateListener", "elasticloadbalancing:ModifyListener",
                  "elasticloadbalancing:DeleteListener", "elasticloadbalancing:AddListenerCertificates",
                  "elasticloadbalancing:RemoveListenerCertificates", "elasticloadbalancing:CreateTargetGroup",
                  "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
                  "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:CreateRule",
                  "elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule",
                  "elasticloadbalancing:SetRulePriorities", "elasticloadbalancing:AddTags",
                  "elasticloadbalancing:RemoveTags", "elasticloadbalancing:RegisterTargets",
                  "elasticloadbalancing:DeregisterTargets"]
ROLES = ["iam:CreateRole", "iam:DeleteRole", "iam:TagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
         "iam:DetachRolePolicy", "iam:UpdateAssumeRolePolicy"]
PROFILES = ["iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:TagInstanceProfile",
            "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"]
# the services the environment's roles are handed to
PASSED_TO = ["ec2.amazonaws.com", "codebuild.amazonaws.com", "codedeploy.amazonaws.com",
             "codepipeline.amazonaws.com", "events.amazonaws.com", "lambda.amazonaws.com"]


def _bucket(facts: Facts, bucket: str) -> tuple[str, str]:
    whole = arn(facts, "s3", bucket, regional=False, account=False)
    return whole, f"{whole}/*"


def _own(facts: Facts, i, *, writes: bool) -> list[dict]:
    """Every build's: its log group, reading the pipeline's bucket; the Plan build also writes its
    output artifact (CodePipeline keeps artifacts under the pipeline's name, cut to 20 characters)
    and the plan's text; Apply writes nothing there (it cannot replace vend or a source)."""
    bucket, objects = _bucket(facts, i.bucket)
    group = arn(facts, "logs", f"log-group:{i.log_group}")
    out = [_allow("OwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [group, f"{group}:log-stream:*"]),
           _allow("PipelineArtifacts", ["s3:GetObject", "s3:GetObjectVersion"], [objects]),
           _allow("PipelineBucket", ["s3:GetBucketAcl", "s3:GetBucketLocation"], [bucket])]
    if writes:
        out.append(_allow("PlanOutputs", ["s3:PutObject"], [f"{bucket}/{i.pipeline[:20]}/*", f"{bucket}/plans/*"]))
    return out


def _reads(facts: Facts, n: Names) -> list[dict]:
    return [_allow("Read", READS, ["*"]),
            _allow("ReadRoles", NAMED_READS, [arn(facts, "iam", "role/vend/*", regional=False),
                                              arn(facts, "iam", "instance-profile/vend/*", regional=False)])]


def pipeline(config: Config, facts: Facts, n: Names, i) -> dict:
    bucket, objects = _bucket(facts, i.bucket)
    statements = [
        _allow("Artifacts", ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], [objects]),
        _allow("ArtifactBucket", ["s3:GetBucketVersioning", "s3:GetBucketLocation", "s3:ListBucket"], [bucket]),
        _allow("Builds", ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
               [arn(facts, "codebuild", f"project/{i.project('plan')}"),
                arn(facts, "codebuild", f"project/{i.project('apply')}")]),
    ]
    if config.pipeline.require_approval:
        statements.append(_allow("Approvals", ["sns:Publish"], [arn(facts, "sns", i.topic)]))
    return _doc(*statements)


def plan(config: Config, facts: Facts, n: Names, i) -> dict:
    return _doc(*_own(facts, i, writes=True), *_reads(facts, n),
                _allow("Bake", BAKE, [arn(facts, "ec2", "*"), arn(facts, "ec2", "image/*", account=False),
                                      arn(facts, "ec2", "snapshot/*", account=False)]))


def apply(config: Config, facts: Facts, n: Names, i) -> dict:
    env_bucket, env_objects = _bucket(facts, n.bucket)
    group = arn(facts, "logs", f"log-group:{n.log_group}")
    own_roles = [arn(facts, "iam", f"role/vend/{n.base}-*", regional=False),
                 arn(facts, "iam", f"instance-profile/vend/{n.base}-*", regional=False)]
    statements = [
        *_own(facts, i, writes=False), *_reads(facts, n),
        _allow("Network", NETWORK, [arn(facts, "ec2", "*"), arn(facts, "ec2", "image/*", account=False),
                                    arn(facts, "ec2", "snapshot/*", account=False)]),
        _allow("LoadBalancing", LOAD_BALANCING, [arn(facts, "elasticloadbalancing", "*")]),
        _allow("AutoScalingGroup", ["autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup",
                                    "autoscaling:DeleteAutoScalingGroup", "autoscaling:PutScalingPolicy",
                                    "autoscaling:AttachLoadBalancerTargetGroups",
                                    "autoscaling:DetachLoadBalancerTargetGroups", "autoscaling:StartInstanceRefresh",
                                    "autoscaling:CreateOrUpdateTags"],
               [arn(facts, "autoscaling", f"autoScalingGroup:*:autoScalingGroupName/{n.base}")]),
        _allow("Roles", ROLES, [own_roles[0]]),
        _allow("InstanceProfiles", PROFILES, [own_roles[1]]),
        _allow("PassRoles", ["iam:PassRole"], [own_roles[0]], {"StringEquals": {"iam:PassedToService": PASSED_TO}}),
        _allow("Bucket", ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
                          "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls", "s3:PutBucketTagging",
                          "s3:PutBucketNotification", "s3:GetBucketVersioning", "s3:GetEncryptionConfiguration",
                          "s3:GetBucketPublicAccessBlock", "s3:GetBucketOwnershipControls", "s3:GetBucketTagging",
                          "s3:GetBucketNotification", "s3:ListBucket", "s3:ListBucketVersions"], [env_bucket]),
        _allow("BucketObjects", ["s3:DeleteObject", "s3:DeleteObjectVersion"], [env_objects]),
        _allow("LogGroup", ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
                            "logs:TagResource"], [group]),
        _allow("Unsubscribe", ["sns:Unsubscribe"], ["*"]),  # IAM knows no resource for it
        _allow("Topic", ["sns:CreateTopic", "sns:DeleteTopic", "sns:Subscribe",
                         "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:ListSubscriptionsByTopic",
                         "sns:TagResource"], [arn(facts, "sns", n.topic)]),
        _allow("Database", ["rds:CreateDBInstance", "rds:ModifyDBInstance", "rds:DeleteDBInstance",
                            "rds:CreateDBSubnetGroup", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup",
                            "rds:AddTagsToResource", "rds:CreateDBSnapshot"],
               [arn(facts, "rds", f"db:{n.base}"), arn(facts, "rds", f"subgrp:{n.base}"),
                arn(facts, "rds", f"snapshot:{n.base}-final-*")]),
        _allow("DatabaseSecret", ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
               [arn(facts, "secretsmanager", "secret:rds!db-*")]),
        _allow("Delivery", ["codebuild:BatchGetProjects", "codebuild:CreateProject", "codebuild:UpdateProject",
                            "codebuild:DeleteProject"], [arn(facts, "codebuild", f"project/{n.base}")]),
        _allow("Deployments", ["codedeploy:GetApplication", "codedeploy:CreateApplication",
                               "codedeploy:DeleteApplication", "codedeploy:TagResource"],
               [arn(facts, "codedeploy", f"application:{n.base}")]),
        _allow("DeploymentGroup", ["codedeploy:GetDeploymentGroup", "codedeploy:CreateDeploymentGroup",
                                   "codedeploy:UpdateDeploymentGroup", "codedeploy:DeleteDeploymentGroup"],
               [arn(facts, "codedeploy", f"deploymentgroup:{n.base}/{n.base}")]),
        _allow("Pipeline", ["codepipeline:GetPipeline", "codepipeline:CreatePipeline", "codepipeline:UpdatePipeline",
                            "codepipeline:DeletePipeline", "codepipeline:TagResource"],
               [arn(facts, "codepipeline", n.base)]),
        _allow("SourceRule", ["events:DescribeRule", "events:ListTargetsByRule", "events:PutRule", "events:PutTargets",
                              "events:RemoveTargets", "events:DeleteRule", "events:TagResource"],
               [arn(facts, "events", f"rule/{n.base}-source")]),
        _allow("Alarms", ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource"],
               [arn(facts, "cloudwatch", f"alarm:{n.base}-*")]),
        *_approvals_service(facts),
    ]
    zone = config.routing.hosted_zone_id
    if zone:
        statements.append(_allow("Records", ["route53:ChangeResourceRecordSets"],
                                 [arn(facts, "route53", f"hostedzone/{zone}", regional=False, account=False)]))
    return _doc(*statements)


def _approvals_service(facts: Facts) -> list[dict]:
    """The account+region's approvals service, created when missing (shared, never deleted)."""
    name = approvals_service.SERVICE
    role = arn(facts, "iam", f"role/vend/{approvals_service.role_name(facts)}", regional=False)
    return [
        _allow("ApprovalsRole", ROLES, [role]),
        _allow("PassApprovalsRole", ["iam:PassRole"], [role],
               {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
        _allow("ApprovalsFunction", ["lambda:GetFunction", "lambda:CreateFunction", "lambda:UpdateFunctionCode",
                                     "lambda:UpdateFunctionConfiguration", "lambda:GetFunctionUrlConfig",
                                     "lambda:CreateFunctionUrlConfig", "lambda:AddPermission", "lambda:TagResource"],
               [arn(facts, "lambda", f"function:{name}")]),
        _allow("ApprovalsTrigger", ["lambda:CreateEventSourceMapping", "lambda:UpdateEventSourceMapping",
                                    "lambda:GetEventSourceMapping"],
               ["*"], {"StringEquals": {"lambda:FunctionArn": arn(facts, "lambda", f"function:{name}")}}),
        _allow("ListTriggers", ["lambda:ListEventSourceMappings"], ["*"]),
        _allow("ApprovalsQueue", ["sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
                                  "sqs:TagQueue"], [arn(facts, "sqs", name)]),
        _allow("ApprovalsTable", ["dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:UpdateTimeToLive",
                                  "dynamodb:DescribeTimeToLive", "dynamodb:TagResource"],
               [arn(facts, "dynamodb", f"table/{name}")]),
        _allow("ApprovalsKey", ["secretsmanager:CreateSecret", "secretsmanager:DescribeSecret",
                                "secretsmanager:TagResource"],
               [arn(facts, "secretsmanager", f"secret:{approvals_service.KEY_SECRET}-*")]),
        _allow("ApprovalsSender", ["ses:VerifyEmailIdentity", "ses:VerifyDomainIdentity"], ["*"]),
    ]
