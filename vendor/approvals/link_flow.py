"""The approval link over plain HTTP data: GET shows the confirmation page, POST decides.

The web app (Starlette) and the Lambda function behind a Function URL both answer a link this
way; this module needs only the standard library, so it runs in the Lambda runtime. A GET never
decides (email scanners follow links); only a POST whose form repeats the link's action does.
"""
from __future__ import annotations

from urllib.parse import parse_qs

from vendor.approvals import decisions as d
from vendor.approvals import pages

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
}
FORM_MAX_BYTES = 16 * 1024
FORM_MAX_FIELDS = 10
LINK_PREFIX = "/r/"


class FormProblem(ValueError):
    pass


def parse_form(body: bytes) -> dict[str, str]:
    """An urlencoded form, first value of each field; FormProblem when too big or not text."""
    if len(body) > FORM_MAX_BYTES:
        raise FormProblem("the form is too large")
    try:
        text = body.decode("ascii")
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=False,
                          max_num_fields=FORM_MAX_FIELDS, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise FormProblem("the form is not understood") from None
    return {k: v[0] for k, v in fields.items()}


def token_of(path: str) -> str | None:
    """The token of a link path `/r/TOKEN` (None for any other path)."""
    if not path.startswith(LINK_PREFIX):
        return None
    token = path[len(LINK_PREFIX):]
    return token if token and "/" not in token else None


def answer(decider: d.Decider, method: str, token: str, form: dict[str, str] | None,
           source: str) -> tuple[int, str]:
    """(HTTP status, HTML) for one request to a link."""
    if method != "POST":  # GET and HEAD
        outcome = decider.check(token)
        if outcome.kind == d.READY:
            return 200, pages.confirm_page(outcome)
        return pages.result_page(outcome)
    outcome = decider.check(token)
    if outcome.kind == d.READY and (form is None or form.get("decision") != outcome.link.action):
        outcome = d.Outcome(d.TAMPERED, detail="the form does not match the link")
    elif outcome.kind == d.READY:
        outcome = decider.decide_link(token, source=source, comment=str(form.get("comment") or ""))
    return pages.result_page(outcome)
