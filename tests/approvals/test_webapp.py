"""The web app over real HTTP (uvicorn in a thread): GET never decides; bad links change nothing."""
from http.client import HTTPConnection
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from botocore.stub import ANY

from tests.approvals.conftest import T0, http
from vendor.approvals.model import APPROVED, EXPIRED, PENDING, REJECTED, PipelineRef, Summary
from vendor.approvals.server import BackgroundServer
from vendor.approvals.webapp import create_app

ANN, BOB = "ann@example.com", "bob@example.com"


@pytest.fixture
def request_(gate):
    return gate.request(customer="acme", environment="production", approvers=[ANN, BOB],
                        summary=Summary("r42", "abc123", "ami-0abc", ("Fix login",)), timeout=3600)


def _url(web, gate, request, approver, action="approve"):
    approve, reject, _ = gate.links(request, approver)
    return web.url + "/r/" + (approve if action == "approve" else reject).rsplit("/", 1)[1]


def _post(url, action="approve", comment="", headers=None):
    return http("POST", url, {"decision": action, "comment": comment}, headers)


def test_get_shows_confirmation_and_never_decides(web, gate, store, request_):
    url = _url(web, gate, request_, ANN)
    for _ in range(3):
        status, body, headers = http("GET", url)
        assert status == 200
        assert "Approve acme/production?" in body and "Nothing has been decided yet" in body
        assert '<button type="submit" name="decision" value="approve"' in body
    assert http("HEAD", url)[0] == 200
    assert store.get(request_.id).status == PENDING
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_the_confirmation_page_shows_the_plan_being_approved(web, gate, store):
    plan = ("Plan for acme/production in eu-west-1 (plan 696e1e617123):", "      image: ami-old -> <ami-new>")
    request = gate.request(customer="acme", environment="production", approvers=[ANN],
                           summary=Summary(commit="abc123", plan=plan), timeout=3600)
    status, body, _ = http("GET", _url(web, gate, request, ANN))
    assert status == 200
    assert ("<pre>Plan for acme/production in eu-west-1 (plan 696e1e617123):\n"
            "      image: ami-old -&gt; &lt;ami-new&gt;</pre>") in body
    assert store.get(request.id).status == PENDING


def test_post_from_the_page_decides_and_records_who_when_where(web, gate, store, clock, request_):
    clock.advance(30)
    status, body, _ = _post(_url(web, gate, request_, BOB, "reject"), "reject", "  not on a Friday ")
    assert status == 200 and "acme/production is rejected" in body
    d = store.get(request_.id).decision
    assert (d.status, d.by, d.at, d.source, d.via, d.comment) == (
        REJECTED, BOB, T0 + 30, "127.0.0.1", "web", "not on a Friday")


def test_replayed_link_changes_nothing(web, gate, store, request_):
    url = _url(web, gate, request_, ANN)
    assert _post(url, comment="first")[0] == 200
    first = store.get(request_.id).decision
    for method in ("POST", "GET"):
        status, body, _ = _post(url, comment="again") if method == "POST" else http("GET", url)
        assert status == 409 and "This link has already been used" in body
    assert store.get(request_.id).decision == first


def test_already_decided_by_someone_else(web, gate, store, request_):
    assert _post(_url(web, gate, request_, ANN))[0] == 200
    for approver, action in ((BOB, "reject"), (ANN, "reject"), (BOB, "approve")):
        status, body, _ = _post(_url(web, gate, request_, approver, action), action)
        assert status == 409 and "already approved by ann@example.com" in body
    assert store.get(request_.id).decision.by == ANN


def test_tampered_link_changes_nothing(web, gate, store, request_):
    url = _url(web, gate, request_, ANN)
    for bad in (url[:-3] + ("xyz" if not url.endswith("xyz") else "abc"), url.replace("/r/", "/r/e"),
                web.url + "/r/nonsense"):
        for method in ("GET", "POST"):
            status, body, _ = _post(bad) if method == "POST" else http("GET", bad)
            assert status == 400 and "This link is not valid" in body
    assert store.get(request_.id).status == PENDING


def test_expired_link_changes_nothing(web, gate, store, clock, request_):
    url = _url(web, gate, request_, ANN)
    clock.advance(3600 - 360)  # the link's deadline; the approval itself is still open
    status, body, _ = _post(url)
    assert status == 410 and "This link has expired" in body
    assert store.get(request_.id).status == PENDING


def test_request_past_its_deadline_is_expired(web, gate, store, clock, signer, request_):
    url = web.url + "/r/" + signer.sign(request_.id, ANN, "approve", T0 + 7200)  # link outlives it
    clock.advance(3600)
    status, body, _ = _post(url)
    assert status == 410 and "expired before it was decided" in body
    assert store.get(request_.id).status == EXPIRED


def test_wrong_approver_changes_nothing(web, store, signer, request_):
    url = web.url + "/r/" + signer.sign(request_.id, "mallory@example.com", "approve", T0 + 600)
    for method in ("GET", "POST"):
        status, body, _ = _post(url) if method == "POST" else http("GET", url)
        assert status == 403 and "mallory@example.com is not an approver" in body
    assert store.get(request_.id).status == PENDING


def test_unknown_request(web, signer):
    status, body, _ = http("GET", web.url + "/r/" + signer.sign("apr-gone", ANN, "approve", T0 + 600))
    assert status == 404 and "Unknown approval request" in body


def test_form_must_match_the_link(web, gate, store, request_):
    status, body, _ = _post(_url(web, gate, request_, ANN, "approve"), "reject")
    assert status == 400
    assert store.get(request_.id).status == PENDING


def test_an_oversized_or_overfull_form_is_refused_and_decides_nothing(web, gate, store, request_):
    url = _url(web, gate, request_, ANN)
    too_large = http("POST", url, {"decision": "approve", "comment": "x" * 20_000})
    too_many = http("POST", url, {"decision": "approve", **{f"f{i}": "1" for i in range(20)}})
    assert [too_large[:2], too_many[:2]] == [(400, "the form is too large\n"), (400, "the form is not understood\n")]
    assert store.get(request_.id).status == PENDING


def test_client_address_from_a_trusted_proxy(store, decider, settings, gate, request_):
    proxied = replace(settings, forwarded_allow_ips="127.0.0.1")  # the proxy runs on this machine
    with BackgroundServer(create_app(store, decider), proxied) as web:
        _post(_url(web, gate, request_, ANN), headers={"X-Forwarded-For": "203.0.113.7",
                                                       "X-Forwarded-Proto": "https"})
    assert store.get(request_.id).decision.source == "203.0.113.7"


def test_forwarded_for_from_an_untrusted_client_is_not_recorded(web, gate, store, request_):
    """X-Forwarded-For from a client that is not a configured proxy is ignored: the peer is recorded."""
    _post(_url(web, gate, request_, ANN), headers={"X-Forwarded-For": "the CFO's laptop, honest"})
    assert store.get(request_.id).decision.source == "127.0.0.1"


def test_non_ascii_token_is_a_bad_link_not_a_server_error(web, store, request_):
    """A link token with non-ASCII characters is answered 400 (not a valid link), never 500."""
    for token in ("%C3%A9t%C3%A9.abc", "abc.%E2%82%AC", "%F0%9F%98%80"):
        status, body, _ = http("GET", f"{web.url}/r/{token}")
        assert (status, "This link is not valid" in body) == (400, True), token
        status, body, _ = http("POST", f"{web.url}/r/{token}", {"decision": "approve"})
        assert (status, "This link is not valid" in body) == (400, True), token
    assert store.get(request_.id).status == PENDING


def test_trailing_slash_is_not_redirected_to_the_host_header(web):
    """A path with a trailing slash is not found; there is no redirect to the Host header's site."""
    host, port = web.url.removeprefix("http://").split(":")
    for path in ("/healthz/", "/r/abc.def/", "//evil.example/"):
        conn = HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", path, headers={"Host": "evil.example"})
        response = conn.getresponse()
        assert (response.status, response.getheader("Location")) == (404, None), path
        conn.close()


def test_pending_list_shows_requests_but_no_links(web, gate, store, request_):
    status, body, _ = http("GET", web.url + "/")
    assert status == 200 and request_.id in body and "acme / production" in body and "/r/" not in body
    _post(_url(web, gate, request_, ANN))
    assert "Nothing is waiting for approval." in http("GET", web.url + "/")[1]
    assert http("GET", web.url + "/healthz")[:2] == (200, "ok\n")


PIPE = PipelineRef("acme-production", "Release", "Approve", "0a1b2c3d-token")


def test_decision_goes_to_codepipeline_with_the_token(web, gate, store, pipeline_stub):
    r = gate.request(customer="acme", environment="production", approvers=[ANN], timeout=3600, pipeline=PIPE)
    _, stub = pipeline_stub
    stub.add_response("put_approval_result", {"approvedAt": datetime(2023, 11, 14, tzinfo=timezone.utc)}, {
        "pipelineName": "acme-production", "stageName": "Release", "actionName": "Approve",
        "token": "0a1b2c3d-token",
        "result": {"status": "Approved", "summary": "Approved by ann@example.com via vend web from 127.0.0.1: ok"}})
    assert _post(_url(web, gate, r, ANN), comment="ok")[0] == 200
    assert store.get(r.id).status == APPROVED


def test_refused_by_codepipeline_nothing_is_decided(web, gate, store, pipeline_stub):
    r = gate.request(customer="acme", environment="production", approvers=[ANN], timeout=3600, pipeline=PIPE)
    _, stub = pipeline_stub
    stub.add_client_error("put_approval_result", "InvalidApprovalTokenException", "token is stale")
    url = _url(web, gate, r, ANN)
    status, body, _ = _post(url)
    assert status == 502 and "InvalidApprovalTokenException" in body and "still pending" in body
    assert store.get(r.id).status == PENDING
    stub.add_response("put_approval_result", {"approvedAt": datetime(2023, 11, 14, tzinfo=timezone.utc)},
                      {"pipelineName": ANY, "stageName": ANY, "actionName": ANY, "token": "0a1b2c3d-token",
                       "result": ANY})
    assert _post(url)[0] == 200  # the same link may try again: it never decided anything
    assert store.get(r.id).status == APPROVED
