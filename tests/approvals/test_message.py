from vendor.approvals.message import approval_email
from vendor.approvals.model import ApprovalRequest, PipelineRef, Summary

T = 1_700_000_000.0

EXPECTED_TEXT = """\
Hello ann@example.com,

A release is waiting for your approval.

  Customer:     acme
  Environment:  production
  Revision:     r42
  Commit:       0123456789abcdef
  AMI:          ami-0abc
  Decides:      CodePipeline acme-prod / Release / Approve
  Request:      apr-1

What changed since the last release:
  - Fix login redirect
  - Bump PHP to 8.2

Approve: https://vend.example/r/A

Reject:  https://vend.example/r/R

Each link opens a confirmation page; nothing is decided until you press the button there.
The links are yours alone, work once, and expire at 2023-11-15 21:58:20 UTC.
At a terminal: vend approvals approve apr-1  (or: vend approvals reject apr-1)
"""


def _request(changes=("Fix login redirect", "Bump PHP to 8.2"), customer="acme"):
    return ApprovalRequest("apr-1", customer, "production", ("ann@example.com",),
                           Summary("r42", "0123456789abcdef", "ami-0abc", changes), T, T + 7 * 86400,
                           PipelineRef("acme-prod", "Release", "Approve", "tok"))


def _email(request):
    return approval_email(request, "ann@example.com", "https://vend.example/r/A",
                          "https://vend.example/r/R", T + 86400 - 900, "vend@example.com", T)


def test_text_part_exactly():
    msg = _email(_request())
    assert msg["Subject"] == "Approval needed: acme/production r42"
    assert (msg["From"], msg["To"], msg["X-Vend-Request"]) == ("vend@example.com", "ann@example.com", "apr-1")
    assert msg.get_body(("plain",)).get_content() == EXPECTED_TEXT


def test_html_part_has_both_links_and_escapes():
    html = _email(_request(customer="<b>acme</b>")).get_body(("html",)).get_content()
    assert '<a href="https://vend.example/r/A"' in html and '<a href="https://vend.example/r/R"' in html
    assert "&lt;b&gt;acme&lt;/b&gt;" in html and "<b>acme</b>" not in html


def test_unknown_changes_are_said_to_be_unknown():
    text = _email(_request(changes=())).get_body(("plain",)).get_content()
    assert "What changed since the last release: not known.\n" in text
