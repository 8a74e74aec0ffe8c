"""The approvals service, once per account and region, and one environment's link to it. Pure.

When an environment requires approval, its stack also wants the service's parts (shared, like the
shared ALBs: created when missing, never deleted with an environment; the function's code and
settings and the role's policy are kept current): the signing key secret, the DynamoDB table,
the SQS queue whose policy admits only vend's approval topics, the SES sender identity, the IAM
role, the Lambda function (vend's package), its Function URL and the queue -> function mapping.
The environment's own part is the subscription of its approval topic to the queue.
"""
from __future__ import annotations

from vendor.config.model import Config
from vendor.plan import policies
from vendor.plan.naming import Facts, Names, arn, shared_tags
from vendor.plan.resources import Ref, Resource

SERVICE = "vend-approvals"
KEY_SECRET = "vend/approvals/signing-key"
HANDLER = "vendor.approvals.lambda_handler.handler"
RUNTIME = "python3.12"
TIMEOUT, MEMORY, BATCH = 30, 256, 5
VISIBILITY = 6 * TIMEOUT  # AWS: at least six times the function's timeout for an SQS trigger
RETENTION = 4 * 24 * 3600
SECRET, TABLE, QUEUE, IDENTITY = "approvals key", "approvals table", "approvals queue", "ses identity"
ROLE, FUNCTION, URL, MAPPING = "approvals role", "lambda function", "function url", "event source mapping"
SUBSCRIPTION = "approvals subscription"


def role_name(facts: Facts) -> str:
    return f"{SERVICE}-{facts.region}"  # IAM is global: one role per region's service


def topics(facts: Facts) -> str:
    """The ARN pattern of every approval topic vend makes in this account and region."""
    return arn(facts, "sns", "vend-*-approvals")


def service_tags() -> dict[str, str]:
    return {**shared_tags(), "Service": "approvals"}


def _role_policy(facts: Facts) -> dict:
    a = policies
    function = arn(facts, "lambda", f"function:{SERVICE}")
    return a._doc(
        a._allow("Queue", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                 [arn(facts, "sqs", SERVICE)]),
        a._allow("Requests", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Scan"],
                 [arn(facts, "dynamodb", f"table/{SERVICE}")]),
        a._allow("SigningKey", ["secretsmanager:GetSecretValue"], [arn(facts, "secretsmanager", f"secret:{KEY_SECRET}-??????")]),
        a._allow("Mail", ["ses:SendRawEmail"], [arn(facts, "ses", f"identity/{facts.approvals_sender}")]),
        a._allow("Decide", ["codepipeline:PutApprovalResult", "codepipeline:GetPipelineState",
                            "codepipeline:GetPipelineExecution"],
                 [f"arn:{facts.partition}:codepipeline:*:{facts.account}:vend-*"]),
        a._allow("OwnUrl", ["lambda:GetFunctionUrlConfig"], [function]),
        a._allow("Logs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                 [arn(facts, "logs", f"log-group:/aws/lambda/{SERVICE}:*")]),
    )


def queue_policy(facts: Facts) -> dict:
    """Only SNS, and only for vend's approval topics of this account, may send to the queue."""
    return {"Version": policies.VERSION, "Statement": [{
        "Sid": "ApprovalTopics", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": arn(facts, "sqs", SERVICE),
        "Condition": {"ArnLike": {"aws:SourceArn": topics(facts)},
                      "StringEquals": {"aws:SourceAccount": facts.account}}}]}


def service(facts: Facts) -> list[Resource]:
    tags = service_tags()
    environment = {"VEND_APPROVALS_TABLE": SERVICE, "VEND_APPROVALS_KEY_SECRET": KEY_SECRET,
                   "VEND_APPROVALS_TOPICS": topics(facts), "VEND_APPROVALS_QUEUE_ARN": arn(facts, "sqs", SERVICE),
                   "VEND_MAIL_TRANSPORT": "ses", "VEND_MAIL_FROM": facts.approvals_sender}
    shared = {"shared": True}
    return [
        Resource(SECRET, KEY_SECRET, {"description": "vend approvals: HMAC key of the approval links", "tags": tags},
                 create_only=("description",), **shared),
        Resource(TABLE, SERVICE, {"key": "id", "billing": "PAY_PER_REQUEST", "ttl": "ttl", "tags": tags},
                 create_only=("tags",), **shared),
        Resource(QUEUE, SERVICE, {"policy": queue_policy(facts), "visibility_timeout": VISIBILITY,
                                  "retention": RETENTION, "encrypted": True, "tags": tags},
                 create_only=("tags",), current=("policy", "visibility_timeout"), **shared),
        Resource(IDENTITY, facts.approvals_sender, {}, **shared),
        Resource(ROLE, role_name(facts), {"path": "/vend/", "trust": policies.trust("lambda.amazonaws.com", facts.account),
                                          "policy": _role_policy(facts), "tags": tags},
                 create_only=("tags",), current=("policy", "trust"), **shared),
        Resource(FUNCTION, SERVICE, {"runtime": RUNTIME, "handler": HANDLER, "role": Ref(ROLE, role_name(facts), "arn"),
                                     "timeout": TIMEOUT, "memory": MEMORY, "environment": environment,
                                     "code_sha256": facts.approvals_code, "tags": tags},
                 create_only=("tags",), current=("runtime", "handler", "role", "timeout", "memory", "environment",
                                                  "code_sha256"), **shared),
        Resource(URL, SERVICE, {"function": SERVICE, "auth": "NONE", "public": True}, current=("auth", "public"),
                 **shared),
        Resource(MAPPING, SERVICE, {"function": SERVICE, "queue": Ref(QUEUE, SERVICE, "arn"), "batch_size": BATCH,
                                    "report_failures": True}, current=("batch_size", "report_failures"), **shared),
    ]


def environment(config: Config, facts: Facts, n: Names, topic_kind: str) -> list[Resource]:
    """The environment's link to the service: its approval topic subscribed to the queue."""
    wanted = bool(config.pipeline.require_approval)
    out = service(facts) if wanted else []
    out.append(Resource(SUBSCRIPTION, n.topic, {"topic": Ref(topic_kind, n.topic, "arn"),
                                                "queue": Ref(QUEUE, SERVICE, "arn")} if wanted else {},
                        present=wanted))
    return out
