"""What the approvals service refuses to run with: links nobody can open, mail nobody reads."""
from __future__ import annotations

import pytest

from vendor.approvals.service_config import ServiceConfig, check_link_base, is_loopback
from vendor.approvals.settings import SettingsProblem

BASE = {"VEND_APPROVALS_TOPICS": "arn:aws:sns:*:123456789012:vend-*-approvals", "VEND_MAIL_TRANSPORT": "ses",
        "VEND_STATE_DIR": "/nonexistent"}


def test_on_aws_the_maildir_transport_is_refused():
    with pytest.raises(SettingsProblem) as e:
        ServiceConfig.from_env({**BASE, "VEND_MAIL_TRANSPORT": "maildir"})
    assert str(e.value) == ("VEND_MAIL_TRANSPORT=maildir on AWS: approvers would never see the mail; "
                            "use ses (or smtp with a relay)")
    emulated = ServiceConfig.from_env({**BASE, "VEND_MAIL_TRANSPORT": "maildir", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})
    assert emulated.emulated and emulated.settings.mail_transport == "maildir"


def test_without_topics_nothing_would_be_trusted():
    with pytest.raises(SettingsProblem, match="^VEND_APPROVALS_TOPICS is not set"):
        ServiceConfig.from_env({k: v for k, v in BASE.items() if k != "VEND_APPROVALS_TOPICS"})


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:8377", "VEND_APPROVALS_PUBLIC_URL='http://127.0.0.1:8377' is a loopback address: approvers "
                              "could not open the links; use the approvals service's Function URL"),
    ("https://localhost/", "VEND_APPROVALS_PUBLIC_URL='https://localhost/' is a loopback address: approvers could "
                           "not open the links; use the approvals service's Function URL"),
    ("https://[::1]/", "VEND_APPROVALS_PUBLIC_URL='https://[::1]/' is a loopback address: approvers could not open "
                       "the links; use the approvals service's Function URL"),
    ("http://approvals.example.com", "VEND_APPROVALS_PUBLIC_URL='http://approvals.example.com': approval links must "
                                     "be https: on AWS"),
    ("javascript:alert(1)", "VEND_APPROVALS_PUBLIC_URL='javascript:alert(1)' is not an http(s) URL"),
    ("https://x.on.aws/?a=1", "VEND_APPROVALS_PUBLIC_URL='https://x.on.aws/?a=1' may not carry a query, fragment or user"),
])
def test_links_on_aws_must_be_https_and_not_loopback(url, message):
    with pytest.raises(SettingsProblem) as e:
        check_link_base(url, emulated=False)
    assert str(e.value) == message


def test_the_emulator_allows_loopback_http_only():
    assert check_link_base("http://127.0.0.1:8377/", emulated=True) == "http://127.0.0.1:8377"
    assert check_link_base("https://abc.lambda-url.eu-west-1.on.aws/", emulated=False) == \
        "https://abc.lambda-url.eu-west-1.on.aws"
    with pytest.raises(SettingsProblem, match="plain http: only for a loopback address"):
        check_link_base("http://approvals.example.com", emulated=True)
    assert is_loopback("127.8.0.1") and is_loopback("api.localhost") and not is_loopback("10.0.0.1")


def test_topics_are_matched_as_arn_patterns():
    config = ServiceConfig.from_env(BASE)
    assert config.trusts_topic("arn:aws:sns:eu-west-1:123456789012:vend-acme-production-approvals")
    assert not config.trusts_topic("arn:aws:sns:eu-west-1:999999999999:vend-acme-production-approvals")
    assert not config.trusts_topic("arn:aws:sns:eu-west-1:123456789012:vend-acme-production-alarms")
