"""The approvals service in an environment's wanted resources: exact where it matters."""
from __future__ import annotations

from dataclasses import replace

from tests.plan.test_stack import FACTS, wanted
from vendor.plan.approvals_service import queue_policy
from vendor.plan.diff import step
from vendor.plan.resources import Observed

PARTS = ["approvals key vend/approvals/signing-key", "approvals table vend-approvals", "approvals queue vend-approvals",
         "ses identity vend@acme.example", "approvals role vend-approvals-eu-west-1", "lambda function vend-approvals",
         "function url vend-approvals", "event source mapping vend-approvals",
         "approvals subscription vend-acme-production-approvals"]
FACTS_SES = replace(FACTS, approvals_code="c29tZS1oYXNo", approvals_sender="vend@acme.example")


def test_production_wants_the_shared_service_and_its_own_subscription_only():
    res = wanted("acme-production.yaml", FACTS_SES)
    found = [k for k in res if k in PARTS]
    assert found == PARTS
    assert all(res[k].shared for k in PARTS[:-1]) and not res[PARTS[-1]].shared
    assert res["sns topic vend-acme-production-approvals"].props == {"subscriptions": []}  # no AWS email


def test_staging_without_approval_wants_no_service_and_no_subscription():
    res = wanted("acme-staging.yaml", FACTS_SES)
    assert not [k for k in res if k.split(" vend")[0] in ("approvals key", "lambda function", "approvals queue")]
    assert not res["approvals subscription vend-acme-staging-approvals"].present


def test_the_role_reaches_only_the_services_own_parts_and_vends_pipelines():
    policy = wanted("acme-production.yaml", FACTS_SES)["approvals role vend-approvals-eu-west-1"].props["policy"]
    scoped = {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}
    assert scoped == {
        "Queue": (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                  ["arn:aws:sqs:eu-west-1:123456789012:vend-approvals"]),
        "Requests": (["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Scan"],
                     ["arn:aws:dynamodb:eu-west-1:123456789012:table/vend-approvals"]),
        "SigningKey": (["secretsmanager:GetSecretValue"],
                       ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:vend/approvals/signing-key-??????"]),
        "Mail": (["ses:SendRawEmail"], ["arn:aws:ses:eu-west-1:123456789012:identity/vend@acme.example"]),
        "Decide": (["codepipeline:PutApprovalResult", "codepipeline:GetPipelineState",
                    "codepipeline:GetPipelineExecution"], ["arn:aws:codepipeline:*:123456789012:vend-*"]),
        "OwnUrl": (["lambda:GetFunctionUrlConfig"], ["arn:aws:lambda:eu-west-1:123456789012:function:vend-approvals"]),
        "Logs": (["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                 ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/vend-approvals:*"]),
    }


def test_only_sns_for_vends_approval_topics_of_this_account_may_send_to_the_queue():
    assert queue_policy(FACTS) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "ApprovalTopics", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:123456789012:vend-approvals",
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:vend-*-approvals"},
                      "StringEquals": {"aws:SourceAccount": "123456789012"}}}]}


def test_the_shared_function_is_updated_when_its_code_changes_and_kept_otherwise():
    function = wanted("acme-production.yaml", FACTS_SES)["lambda function vend-approvals"]
    role = "arn:aws:iam::123456789012:role/vend/vend-approvals-eu-west-1"
    as_wanted = {**function.props, "role": role, "tags": {"someone": "else's"}}
    known = {"approvals role vend-approvals-eu-west-1": Observed("r", {}, {"arn": role})}
    assert step(function, Observed("arn:fn", as_wanted), known).action == "keep"
    old_code = Observed("arn:fn", {**as_wanted, "code_sha256": "b2xkLWhhc2g="})
    changed = step(function, old_code, known)
    assert (changed.action, [c.field for c in changed.changes]) == ("update", ["code_sha256"])
