import json

import pytest

from vendor.approvals.model import PipelineRef
from vendor.approvals.sns import NotificationProblem, parse

NOTIFICATION = {
    "region": "eu-west-1",
    "consoleLink": "https://console.aws.amazon.com/codepipeline/home?region=eu-west-1#/view/acme-production",
    "approval": {
        "pipelineName": "acme-production", "stageName": "Release", "actionName": "Approve",
        "token": "1a2b3c4d-573f-4ea7-a67e-EXAMPLETOKEN", "expires": "2024-07-07T20:22Z",
        "externalEntityLink": "", "approvalReviewLink": "https://console.aws.amazon.com/review",
        "customData": json.dumps({"customer": "acme", "environment": "production",
                                  "approvers": ["ann@example.com"]}),
    },
}


def test_notification_and_sns_envelope_read_the_same():
    plain = parse(json.dumps(NOTIFICATION))
    envelope = parse(json.dumps({"Type": "Notification", "Message": json.dumps(NOTIFICATION)}))
    assert plain == envelope
    assert plain.pipeline == PipelineRef("acme-production", "Release", "Approve",
                                         "1a2b3c4d-573f-4ea7-a67e-EXAMPLETOKEN")
    assert plain.expires_at == 1720383720.0  # 2024-07-07T20:22:00Z
    assert plain.custom == {"customer": "acme", "environment": "production", "approvers": ["ann@example.com"]}


@pytest.mark.parametrize("text,problem", [
    ("{", "not JSON"),
    ('{"region": "x"}', "not a CodePipeline approval notification"),
    (json.dumps({"approval": {"pipelineName": "p"}}), "missing stageName, actionName, token, expires"),
    (json.dumps({"approval": {**NOTIFICATION["approval"], "expires": "tomorrow"}}), "not a UTC time"),
])
def test_problems_are_named(text, problem):
    with pytest.raises(NotificationProblem, match=problem):
        parse(text)


def test_free_text_custom_data_is_ignored():
    n = parse(json.dumps({"approval": {**NOTIFICATION["approval"], "customData": "please review"}}))
    assert n.custom is None
