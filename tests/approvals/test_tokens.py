import base64
import json

import pytest

from vendor.approvals.tokens import EXPIRED, TAMPERED, Signer, TokenError

NOW = 1_700_000_000.0


def test_round_trip_binds_request_approver_action_and_expiry(signer):
    token = signer.sign("apr-1", "ann@example.com", "approve", NOW + 60, link_id="L1")
    link = signer.verify(token, NOW)
    assert (link.request_id, link.approver, link.action, link.expires_at, link.link_id) == (
        "apr-1", "ann@example.com", "approve", int(NOW + 60), "L1")


def test_each_link_gets_its_own_id(signer):
    a = signer.verify(signer.sign("apr-1", "a@x.io", "approve", NOW + 60), NOW)
    b = signer.verify(signer.sign("apr-1", "a@x.io", "approve", NOW + 60), NOW)
    assert a.link_id != b.link_id


def _kind(signer, token, now=NOW):
    with pytest.raises(TokenError) as e:
        signer.verify(token, now)
    return e.value.kind


def test_changed_payload_is_tampered(signer):
    body, mac = signer.sign("apr-1", "ann@example.com", "reject", NOW + 60).split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["d"] = "approve"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert _kind(signer, f"{forged}.{mac}") == TAMPERED


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: t.replace(".", ""),
    lambda t: t + ".x",
    lambda t: "",
    lambda t: "!!!." + t.split(".")[1],
    lambda t: t.split(".")[0] + ".***",
])
def test_mangled_tokens_are_tampered(signer, mangle):
    assert _kind(signer, mangle(signer.sign("apr-1", "a@x.io", "approve", NOW + 60))) == TAMPERED


def test_other_key_is_tampered(signer):
    token = Signer(b"another-key-" + b"x" * 32).sign("apr-1", "a@x.io", "approve", NOW + 60)
    assert _kind(signer, token) == TAMPERED


def test_expired_at_the_deadline(signer):
    token = signer.sign("apr-1", "a@x.io", "approve", NOW + 60)
    assert signer.verify(token, NOW + 59).request_id == "apr-1"
    assert _kind(signer, token, NOW + 60) == EXPIRED


def test_short_key_and_unknown_action_refused(signer):
    with pytest.raises(ValueError):
        Signer(b"short")
    with pytest.raises(ValueError):
        signer.sign("apr-1", "a@x.io", "maybe", NOW + 60)
    assert "hidden" in repr(signer)
