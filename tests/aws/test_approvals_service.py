"""Checks around the approvals service on real AWS."""
from __future__ import annotations

import pytest


class Ctx:
    endpoint_url, region = None, "eu-west-1"


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


def test_plan_and_apply_say_when_ses_is_still_in_its_sandbox(capsys):
    """vend doctor's SES check, on plan/apply of an environment the approvals service mails for
    (SESv2 GetAccount is not in moto: Stubber)."""
    from types import SimpleNamespace

    import boto3
    from botocore.stub import Stubber

    from vendor.cli.stack import _ses_note
    from vendor.plan.approvals_service import IDENTITY
    from vendor.plan.resources import Resource

    made = {s: boto3.client(s, region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")
            for s in ("ses", "sesv2")}
    ctx = SimpleNamespace(endpoint_url=None, region="eu-west-1", client=made.__getitem__)
    st = SimpleNamespace(resources=[Resource(IDENTITY, "vend@acme.example", {}, shared=True)],
                         facts=SimpleNamespace(approvals_sender="vend@acme.example"))
    with Stubber(made["ses"]) as ses, Stubber(made["sesv2"]) as sesv2:
        ses.add_response("get_identity_verification_attributes", {"VerificationAttributes": {
            "vend@acme.example": {"VerificationStatus": "Success"}}},
            {"Identities": ["vend@acme.example", "acme.example"]})
        sesv2.add_response("get_account", {"ProductionAccessEnabled": False, "SendingEnabled": True})
        _ses_note(ctx, st)
    assert capsys.readouterr().out == (
        "note: approval mail: vend@acme.example is verified, but SES in eu-west-1 is in its sandbox: mail reaches "
        "only verified recipients; request production access for SES in this region\n")
    _ses_note(SimpleNamespace(endpoint_url="http://127.0.0.1:1"), st)  # the emulator is not asked
    assert capsys.readouterr().out == ""
