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


PLAN = ("Plan for acme/production in eu-west-1 (plan 696e1e617123):",
        "  ~ update launch template vend-acme-production (lt-1)",
        "      image: ami-old -> ami-new",
        "Plan: 0 to create, 1 to update, 0 to delete, 30 unchanged.",
        "AMI: ami-old -> ami-new")


def _planned():
    return ApprovalRequest("apr-1", "acme", "production", ("ann@example.com",),
                           Summary("infrastructure plan 696e1e617123", "0123456789abcdef", "ami-old -> ami-new",
                                   ("Use the new image (Ann, 2026-02-01T09:30:00Z): configs/acme-production.yaml",),
                                   plan=PLAN), T, T + 7 * 86400)


def test_the_plan_is_in_the_text_part_before_the_links():
    msg = _email(_planned())
    assert msg["Subject"] == "Approval needed: acme/production infrastructure plan 696e1e617123"
    text = msg.get_body(("plain",)).get_content()
    assert text.split("What changed since the last release:\n")[1].split("Approve:")[0] == (
        "  - Use the new image (Ann, 2026-02-01T09:30:00Z): configs/acme-production.yaml\n"
        "\n"
        "What apply will do in AWS (exactly this; if AWS changes first, you are asked again):\n"
        "  Plan for acme/production in eu-west-1 (plan 696e1e617123):\n"
        "    ~ update launch template vend-acme-production (lt-1)\n"
        "        image: ami-old -> ami-new\n"
        "  Plan: 0 to create, 1 to update, 0 to delete, 30 unchanged.\n"
        "  AMI: ami-old -> ami-new\n"
        "\n")


def test_the_plan_is_in_the_html_part_escaped():
    html = _email(_planned()).get_body(("html",)).get_content()
    assert "image: ami-old -&gt; ami-new" in html and "<pre" in html


def test_only_web_details_links_are_clickable():
    """A details link that is not https:/http: (javascript:, data:) is shown as text, never as a link."""
    from dataclasses import replace
    for url, clickable in (("https://console.aws.amazon.com/x", True), ("javascript:alert(document.cookie)", False),
                           ("data:text/html,<script>alert(1)</script>", False), ("JavaScript://evil.example/%0aalert(1)", False)):
        r = _request()
        r = replace(r, summary=replace(r.summary, details_url=url))
        html = _email(r).get_body(("html",)).get_content()
        assert ('<a href="' + url.replace("<", "&lt;").replace(">", "&gt;") + '"' in html) is clickable, url
        assert "href=\"javascript" not in html.lower() and "href=\"data" not in html.lower()
