"""The sandbox's approval pages: the links are answered by the approvals service's Lambda handler.

On AWS the Function URL hands each request to the handler as an event (payload format 2.0); here
uvicorn/Starlette receive it and this adapter makes the same event, so a link's GET and POST run
the very code they run on AWS. The pending list (`/`) and `/healthz` stay with the web app (the
Function URL has no pending list: it would show customers' releases to anyone).
"""
from __future__ import annotations

import base64

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from vendor.approvals.link_flow import FORM_MAX_BYTES


def url_event(method: str, path: str, source: str, body: bytes) -> dict:
    """A Function URL event (payload format 2.0) for one request."""
    return {"version": "2.0", "rawPath": path, "rawQueryString": "", "headers": {},
            "requestContext": {"http": {"method": method, "path": path, "sourceIp": source}},
            "body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True}


def create_app(pages: Starlette, handler) -> Starlette:
    """`pages` (the web app) for everything but `/r/TOKEN`; `handler()` gives the service."""
    async def link(request: Request) -> Response:
        body = b""
        if request.method == "POST":
            body = await request.body()
            if len(body) > FORM_MAX_BYTES:
                return PlainTextResponse("the form is too large\n", status_code=413)
        source = request.client.host if request.client else "unknown"
        event = url_event(request.method, request.url.path, source, body)
        answer = await run_in_threadpool(lambda: handler()(event))  # SQLite and AWS calls block
        return Response(answer["body"], status_code=answer["statusCode"], headers=answer["headers"])

    return Starlette(routes=[Route("/r/{token}", link, methods=["GET", "HEAD", "POST"]), *pages.routes])
