"""The approvals web app (Starlette): pending list, confirmation page (GET), decision (POST).

A GET never decides: email scanners follow links. Only the POST from the confirmation page,
carrying the same signed link, decides. Behind a reverse proxy the client address comes from
X-Forwarded-For (uvicorn's proxy headers, only from the configured proxies), and every page uses
relative links, so a path prefix needs no configuration.
"""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from vendor.approvals import decisions as d
from vendor.approvals import pages
from vendor.approvals.link_flow import SECURITY_HEADERS
from vendor.approvals.store import Store



def _html(status: int, body: str) -> Response:
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def _source(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def create_app(store: Store, decider: d.Decider) -> Starlette:
    async def pending(request: Request) -> Response:
        return _html(200, pages.pending_page(store.pending(decider.clock())))

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def link(request: Request) -> Response:
        token = request.path_params["token"]
        if request.method != "POST":  # GET and HEAD
            outcome = decider.check(token)
            if outcome.kind == d.READY:
                return _html(200, pages.confirm_page(outcome))
            return _html(*pages.result_page(outcome))
        form = await request.form(max_files=0, max_fields=10)
        outcome = decider.check(token)
        if outcome.kind == d.READY and form.get("decision") != outcome.link.action:
            outcome = d.Outcome(d.TAMPERED, detail="the form does not match the link")
        elif outcome.kind == d.READY:
            outcome = decider.decide_link(token, source=_source(request),
                                          comment=str(form.get("comment") or ""))
        return _html(*pages.result_page(outcome))

    app = Starlette(routes=[
        Route("/", pending, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/r/{token}", link, methods=["GET", "POST"]),
    ])
    app.router.redirect_slashes = False  # its redirect is built from the Host header: an open redirect
    return app
