"""Checks around the approvals service on real AWS (SESv2 GetAccount is not in moto: Stubber)."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from vendor.aws.approvals_service import ses_note


class Ctx:
    def __init__(self, endpoint_url=None):
        self.endpoint_url, self.region = endpoint_url, "eu-west-1"
        self.sesv2 = boto3.client("sesv2", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")

    def client(self, service):
        assert service == "sesv2"
        return self.sesv2


@pytest.mark.parametrize("production, note", [
    (False, "note: SES in eu-west-1 is in its sandbox: approval mail reaches only verified addresses; request "
            "production access (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html) or verify "
            "each approver"),
    (True, None),
])
def test_the_plan_says_when_ses_is_still_in_its_sandbox(production, note):
    ctx = Ctx()
    with Stubber(ctx.sesv2) as stub:
        stub.add_response("get_account", {"ProductionAccessEnabled": production, "SendingEnabled": True})
        assert ses_note(ctx) == note


def test_the_emulator_is_not_asked():
    assert ses_note(Ctx("http://127.0.0.1:5000")) is None


def test_on_aws_an_environment_needing_approval_needs_a_sender(monkeypatch):
    from pathlib import Path

    from vendor.aws.base import StackError
    from vendor.aws.stack_ops import load_stack
    from vendor.config.loader import load_config

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("VEND_MAIL_FROM", raising=False)
    path = Path(__file__).resolve().parents[2] / "configs" / "acme-production.yaml"
    with pytest.raises(StackError) as e:
        load_stack(Ctx(), load_config(path))
    assert str(e.value) == (f"{path}: pipeline/require_approval: the approvals service mails from VEND_MAIL_FROM, "
                            "which is not set; set it to an address of yours SES may verify "
                            "(e.g. VEND_MAIL_FROM=approvals@example.com) and run again")
