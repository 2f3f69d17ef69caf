"""ETags for every successful JSON answer of a GET of the schedule's resources that has
none of its own (a single team, an analyst, an organization, a generation job, ...): a
hash of the body, strong because the same bytes always get the same tag; an
`If-None-Match` naming it gets a 304 without the body. With a tag, an answer may be kept
by the client's own cache (`private, no-cache`); answers about accounts and credentials
(sign-in, users, API keys, the operator's pages) stay `no-store`, kept by no cache at all.

The answer is still computed (the response cache saves that where it applies, with tags
of its own that need no body to compare); what is saved is sending it again, which is
what a client polling a resource on a slow link pays for. Answers with an ETag already
(cached lists, versioned resources) go out untouched, and so do event streams, errors
and HEAD requests (no body to hash)."""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shiftplanner.performance.cache.dependencies import not_modified
from shiftplanner.security.context import header

PATHS = ("/api/",)
ACCOUNT_PATHS = ("/api/auth/", "/api/users", "/api/api-keys")
JSON = b"application/json"
# Headers about the body a 304 does not send (RFC 9110 §15.4.5 keeps the rest).
BODY_HEADERS = frozenset({b"content-length", b"content-type"})


def body_etag(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


class ETagMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or not scope.get("path", "").startswith(PATHS)
            or scope.get("path", "").startswith(ACCOUNT_PATHS)
        ):
            await self.app(scope, receive, send)
            return
        if_none_match = header(scope, b"if-none-match") or ""
        start: Message | None = None
        chunks: list[bytes] = []

        async def tagging_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if _taggable(message):
                    start = message  # held until the whole body is here
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            tag = body_etag(body)
            headers = [*start.get("headers", ()), (b"etag", tag.encode("latin-1"))]
            if not_modified(tag, {"if-none-match": if_none_match}):
                headers = [(name, value) for name, value in headers if name not in BODY_HEADERS]
                await send({**start, "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, tagging_send)


def _taggable(start: Message) -> bool:
    if start["status"] != 200:
        return False
    names = {name.lower(): value for name, value in start.get("headers", ())}
    content_type = names.get(b"content-type", b"").split(b";", 1)[0].strip()
    return b"etag" not in names and content_type == JSON
