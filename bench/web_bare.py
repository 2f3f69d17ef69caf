"""The yardsticks for page loads: the same built pages (web/dist, BENCH_WEB_DIST) served
by a bare Starlette static-files app, with nothing of ours around it (`app`), and the same
with the headers our pages carry (`app_with_headers`: security headers and the page CSP),
to tell what the headers cost the browser from what the service costs."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shiftplanner.security.middleware import SECURITY_HEADERS
from shiftplanner.web.pages import PAGE_HEADERS

app = Starlette(routes=[Mount("/", StaticFiles(directory=os.environ["BENCH_WEB_DIST"], html=True))])
HEADERS = [
    (name.lower().encode(), value.encode())
    for name, value in {**SECURITY_HEADERS, **PAGE_HEADERS}.items()
]


class WithHeaders:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *HEADERS]
            await send(message)

        await self.inner(scope, receive, send_with_headers)


app_with_headers = WithHeaders(app)
