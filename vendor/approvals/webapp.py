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
from vendor.approvals import link_flow
from vendor.approvals.store import Store


def _html(status: int, body: str) -> Response:
    return HTMLResponse(body, status_code=status, headers=link_flow.SECURITY_HEADERS)


def _source(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def create_app(store: Store, decider: d.Decider) -> Starlette:
    async def pending(request: Request) -> Response:
        return _html(200, pages.pending_page(store.pending(decider.clock())))

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def link(request: Request) -> Response:
        form = None
        if request.method == "POST":
            try:
                form = link_flow.parse_form(await request.body())
            except link_flow.FormProblem as e:
                return PlainTextResponse(f"{e}\n", status_code=400)
        return _html(*link_flow.answer(decider, request.method, request.path_params["token"], form,
                                       _source(request)))

    app = Starlette(routes=[
        Route("/", pending, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/r/{token}", link, methods=["GET", "POST"]),
    ])
    app.router.redirect_slashes = False  # its redirect is built from the Host header: an open redirect
    return app
