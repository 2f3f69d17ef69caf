"""The cache's fast path: a cached read answered before any routing, with one database
round trip (who the token's sign-in is now, and the version of their organization's
data) and no other work. Profiling showed the routing and dependency machinery and a
second session costing more than the lookup itself.

Only GETs of `keys.CACHEABLE` paths with a bearer access token take it; everything else,
every miss, and any doubt (a bad token, a sign-in that ended) goes on to the routes,
which answer as ever (and fill the cache). Every endpoint there may be read by any role,
and an answer is only ever stored after the routes accepted exactly this request (its
query included) for this audience, so a hit is never something the routes would refuse.
The principal read here is handed on, so a miss does not read it twice."""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from shiftplanner.errors import Unauthorized
from shiftplanner.middleware import ANSWERED_ROUTE
from shiftplanner.performance.cache.dependencies import JSON, not_modified
from shiftplanner.performance.cache.keys import CACHEABLE, audience, etag, response_key
from shiftplanner.performance.cache.store import Lookup
from shiftplanner.runtime import Runtime
from shiftplanner.security import credentials
from shiftplanner.security.context import RequestContext, header
from shiftplanner.security.tokens import TokenKind

READS = frozenset({"GET", "HEAD"})


class CachedReadsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") in READS
            and scope.get("path") in CACHEABLE
            and await self._answered(scope, send)
        ):
            return
        await self.app(scope, receive, send)

    async def _answered(self, scope: Scope, send: Send) -> bool:
        runtime: Runtime | None = getattr(scope["app"].state, "runtime", None)
        store = runtime.response_store if runtime is not None else None
        if runtime is None or store is None:
            return False
        token = credentials.presented(header(scope, b"authorization"), header(scope, b"x-api-key"))
        if token is None or credentials.split_api_key(token) is not None:
            return False
        try:
            claims = runtime.tokens.decode(token, expected=TokenKind.ACCESS)
        except Unauthorized:
            return False
        assert claims.family_id is not None
        principal = await runtime.principals.read(claims.family_id, claims.user_id)
        if principal is None or not principal.is_active or principal.org_id != claims.org_id:
            return False
        credentials.remember(scope, credentials.PRINCIPAL, token, principal)
        if principal.data_version is None:
            return False
        path: str = scope["path"]
        # The cacheable paths are route templates without parameters.
        scope[ANSWERED_ROUTE] = path
        key = response_key(
            store.key_prefix,
            org_id=principal.org_id,
            data_version=principal.data_version,
            audience=audience(
                personal=CACHEABLE[path].personal,
                can_manage=principal.can_manage,
                user_id=claims.user_id,
                api_key_id=None,
            ),
            path=path,
            query=QueryParams(scope.get("query_string", b"")).multi_items(),
        )
        tag = etag(key)
        if not_modified(tag, {"if-none-match": header(scope, b"if-none-match") or ""}):
            store.count(path, Lookup.NOT_MODIFIED)
            _bind(scope, claims.user_id, principal.org_id)
            await _send(send, 304, tag, b"")
            return True
        body, lookup = await store.get(key)
        if body is None:
            return False
        store.count(path, lookup)
        _bind(scope, claims.user_id, principal.org_id)
        await _send(send, 200, tag, body if scope["method"] == "GET" else b"", len(body))
        return True


def _bind(scope: Scope, user_id: int, org_id: int) -> None:
    """Who was answered, for the access log (as authentication does on the routes)."""
    context = scope.get("state", {}).get("context")
    if isinstance(context, RequestContext):
        context.user_id, context.org_id = user_id, org_id


async def _send(send: Send, status: int, tag: str, body: bytes, length: int | None = None) -> None:
    headers = [(b"etag", tag.encode()), (b"x-cache", b"HIT")]
    if status == 200:
        headers += [
            (b"content-type", JSON.encode()),
            (b"content-length", str(len(body) if length is None else length).encode()),
        ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
