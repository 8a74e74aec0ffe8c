"""The infrastructure pipeline on AWS: `vend release` as a vended CodePipeline of its own. Pure.

One per environment (config), named like the local runner's record of it,
`vend-<customer>-<environment>-infra`, so `vend release` and `vend pipeline status --infra` mean
the same pipeline in both worlds, and its Apply role is scoped to that one environment:

    Source  (S3: a zip of the config repository at a commit, uploaded by `vend release --engine aws`)
 -> Plan    (CodeBuild: `vend release-stage plan`: Bake + Plan, the plan as an output artifact;
             its summary exported as the variables the approval carries)
 -> Approve (manual approval, production or pipeline/require_approval: CustomData is the JSON the
             approvals service reads, with the plan's id, AMI, commit and summary; the link points
             at the plan's text in the pipeline bucket)
 -> Apply   (CodeBuild: `vend release-stage apply`: exactly the approved plan artifact; nothing
             when AWS drifted from the plan's base)

Its own bucket (`<base>-<account>-infra`), log group, approval topic (subscribed to the approvals
service like the environment's) and roles: the pipeline's, the Plan build's (reads, the bake)
and the Apply build's (the environment's resources). It lives beside the environment's stack, so
an apply never changes the pipeline that runs it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from vendor.config.model import Config
from vendor.plan import approvals_service, infra_policies
from vendor.plan.delivery import COMPUTE, _action
from vendor.plan.naming import Facts, Names, arn, names, stack_tags
from vendor.plan.policies import trust
from vendor.plan.resources import Ref, Resource
from vendor.render.infra_buildspec import apply_buildspec, plan_buildspec

BUCKET, LOGS, TOPIC, ROLE = "s3 bucket", "log group", "sns topic", "iam role"
BUILD, PIPELINE = "codebuild project", "pipeline"
BUILD_IMAGE = "aws/codebuild/standard:7.0"  # Ubuntu with Python 3.11+, pip, unzip and the aws CLI
SOURCE_KEY = "source/{name}.zip"
PLAN_NAMESPACE = "Plan"  # the Plan action's variables: #{Plan.PLAN_ID}, ...
CUSTOM_DATA_MAX = 500  # CodePipeline's limit on an approval's CustomData
# not /vend/: the Apply role may change the environment's roles (role/vend/<base>-*), never these
ROLE_PATH = "/vend-infra/"


@dataclass(frozen=True)
class InfraNames:
    pipeline: str  # vend-<slug>-infra
    bucket: str
    log_group: str
    topic: str
    source_key: str

    def role(self, purpose: str) -> str:
        return f"{self.pipeline}-{purpose}"

    def project(self, stage: str) -> str:
        return f"{self.pipeline}-{stage}"


def infra_names(config: Config, facts: Facts) -> InfraNames:
    n = names(config, facts)
    pipeline = f"{n.base}-infra"
    return InfraNames(pipeline, f"{n.base}-{facts.account}-infra", f"{n.log_group}/infra",
                      f"{pipeline}-approvals", SOURCE_KEY.format(name=pipeline))


def plan_key(plan_id: str) -> str:
    """Where the Plan build keeps the plan's text for approvers (the approval's link)."""
    return f"plans/{plan_id}.txt"


def custom_data(config: Config, i: InfraNames) -> str:
    """The approval's CustomData: what the approvals service needs (customer, environment,
    approvers) and what the approvers decide on, from the Plan action's variables."""
    summary = {"revision": f"infrastructure plan #{{{PLAN_NAMESPACE}.PLAN_ID}}",
               "commit": f"#{{{PLAN_NAMESPACE}.COMMIT}}", "ami": f"#{{{PLAN_NAMESPACE}.AMI}}",
               "changes": [f"#{{{PLAN_NAMESPACE}.PLAN_SUMMARY}}"]}
    data = {"customer": config.customer, "environment": config.environment,
            "approvers": list(config.pipeline.approvers), "summary": summary}
    text = json.dumps(data, separators=(",", ":"))
    if len(text) > CUSTOM_DATA_MAX:  # many approvers: the mail then names the execution's revision, the link the plan
        text = json.dumps({k: v for k, v in data.items() if k != "summary"}, separators=(",", ":"))
    return text


def review_link(facts: Facts, i: InfraNames) -> str:
    """The plan's text in the S3 console (the bucket is private: approvers sign in)."""
    return (f"https://{facts.region}.console.aws.amazon.com/s3/object/{i.bucket}?region={facts.region}"
            f"&prefix={plan_key(f'#{{{PLAN_NAMESPACE}.PLAN_ID}}')}")


def stages(config: Config, facts: Facts, i: InfraNames) -> list[dict]:
    source = {"S3Bucket": i.bucket, "S3ObjectKey": i.source_key, "PollForSourceChanges": "false"}
    plan = _action("Plan", "Build", "CodeBuild", {"ProjectName": i.project("plan")}, ["source"], ["plan"])
    plan["namespace"] = PLAN_NAMESPACE
    out = [{"name": "Source", "actions": [_action("Source", "Source", "S3", source, outputs=["source"])]},
           {"name": "Plan", "actions": [plan]}]
    if config.pipeline.require_approval:
        approve = {"NotificationArn": arn(facts, "sns", i.topic), "CustomData": custom_data(config, i),
                   "ExternalEntityLink": review_link(facts, i)}
        out.append({"name": "Approve", "actions": [_action("Approve", "Approval", "Manual", approve,
                                                           timeout_minutes=config.pipeline.approval_timeout_hours * 60)]})
    out.append({"name": "Apply", "actions": [_action("Apply", "Build", "CodeBuild",
                                                     {"ProjectName": i.project("apply"), "PrimarySource": "source"},
                                                     ["source", "plan"])]})
    return out


def resources(config: Config, facts: Facts, config_path: str, package_key: str) -> list[Resource]:
    """The pipeline's resources in dependency order. `config_path`: the config's path inside its
    repository; `package_key`: where vend itself is kept in the pipeline's bucket (the builds
    install it from there)."""
    n, i = names(config, facts), infra_names(config, facts)
    approvals = bool(config.pipeline.require_approval)
    role_arn = lambda purpose: arn(facts, "iam", f"role{ROLE_PATH}{i.role(purpose)}", regional=False)  # noqa: E731
    roles = [("pipeline", "codepipeline.amazonaws.com", infra_policies.pipeline),
             ("plan", "codebuild.amazonaws.com", infra_policies.plan),
             ("apply", "codebuild.amazonaws.com", infra_policies.apply)]
    out = [
        Resource(BUCKET, i.bucket, {"versioning": "Enabled", "encryption": "AES256", "public_access_blocked": True,
                                    "ownership": "BucketOwnerEnforced", "tags": stack_tags(config),
                                    "eventbridge": False}),
        Resource(LOGS, i.log_group, {"retention_days": config.logs.retention_days}),
        Resource(TOPIC, i.topic, {"subscriptions": []} if approvals else {}, present=approvals,
                 unordered=("subscriptions",)),
    ]
    if approvals:  # the approvals service mails the approvers, as for the application pipeline
        out += approvals_service.service(facts)
    out.append(Resource(approvals_service.SUBSCRIPTION, i.topic,
                        {"topic": Ref(TOPIC, i.topic, "arn"),
                         "queue": Ref(approvals_service.QUEUE, approvals_service.SERVICE, "arn")} if approvals else {},
                        present=approvals))
    out += [Resource(ROLE, i.role(purpose), {"path": ROLE_PATH, "trust": trust(service, facts.account),
                                             "policy": policy(config, facts, n, i)}, immutable=("path",))
            for purpose, service, policy in roles]
    specs = {"plan": plan_buildspec(config_path, i.bucket, package_key),
             "apply": apply_buildspec(config_path, i.bucket, package_key)}
    out += [Resource(BUILD, i.project(stage), {"image": BUILD_IMAGE, "compute": COMPUTE, "role": role_arn(stage),
                                               "log_group": i.log_group, "buildspec": spec})
            for stage, spec in specs.items()]
    out.append(Resource(PIPELINE, i.pipeline, {"role": role_arn("pipeline"), "bucket": i.bucket,
                                               "stages": stages(config, facts, i)}))
    return out

