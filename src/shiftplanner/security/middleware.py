"""Pure ASGI middleware of the security layer: response headers, the request body limit,
rate limiting, and the audit entries of refused writes."""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shiftplanner.errors import (
    BadRequest,
    DuplicateKeys,
    PayloadTooLarge,
    RequestTimeout,
    TooManyRequests,
    send_problem,
)
from shiftplanner.kit.json_keys import duplicate_keys
from shiftplanner.kit.validators import parse_id
from shiftplanner.logging import get_logger
from shiftplanner.middleware import route_template
from shiftplanner.models import AuditOutcome
from shiftplanner.monitoring.metrics import RATE_LIMITED_REQUESTS
from shiftplanner.security import credentials
from shiftplanner.security.api_keys import service as api_key_service
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.context import RequestContext, header
from shiftplanner.security.ratelimit import GRAPHQL, LOGIN, READ, REFRESH, WRITE

log = get_logger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_METHODS = frozenset({"GET", "HEAD"})
LOGIN_PATH, REFRESH_PATH = "/api/auth/login", "/api/auth/refresh"
# Routes whose refusals the auth service audits itself, with more to say.
SELF_AUDITED = frozenset({LOGIN_PATH, REFRESH_PATH})
# Answers about (or for) the caller, which no shared cache may keep.
PERSONAL_PATHS = ("/api/", "/monitoring/")
# Where callers look up what is left of their quota: never counted, never refused.
QUOTA_PATHS = ("/api/auth/rate-limit", "/monitoring/security/rate-limit/")
DOCS_PATHS = ("/docs", "/redoc")
ICAL_PATH = "/ical/"

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The OpenAPI pages load Swagger UI / ReDoc from the app itself (kit/docs.py); Swagger UI
# starts with an inline script, both set inline styles, ReDoc runs a blob: worker.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _context(scope: Scope) -> RequestContext | None:
    context = scope.get("state", {}).get("context")
    return context if isinstance(context, RequestContext) else None


class SecurityHeadersMiddleware:
    """The headers every response carries; HSTS only over HTTPS (directly or behind a
    trusted proxy that says so). API answers are personal: never stored by a cache
    (`no-store`, which RFC 6749 requires of token answers), or, when they carry an ETag
    to revalidate against, stored only by the client's own cache and always revalidated
    (`private, no-cache`)."""

    def __init__(self, app: ASGIApp, *, hsts_max_age: int) -> None:
        self.app = app
        self.hsts = (
            _raw("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains")
            if hsts_max_age
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        # The pages (web/pages.py) send a policy of their own, which is kept.
        fixed = _DOCS_HEADERS if path.startswith(DOCS_PATHS) else _API_HEADERS
        personal = path.startswith(PERSONAL_PATHS)
        context = _context(scope)
        hsts = self.hsts if context is not None and context.https else None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [header for header in fixed if header[0] not in present]
                if personal and b"cache-control" not in present:
                    headers.append(_PRIVATE if b"etag" in present else _NO_STORE)
                    if path in SELF_AUDITED and b"pragma" not in present:
                        headers.append(_NO_CACHE_PRAGMA)
                if hsts is not None and hsts[0] not in present:
                    headers.append(hsts)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _raw(name: str, value: str) -> tuple[bytes, bytes]:
    return name.lower().encode("latin-1"), value.encode("latin-1")


# Encoded once: every response carries them, and building them per response (a
# MutableHeaders and a scan of the list per header) was a visible share of a cached read.
_API_HEADERS = tuple(
    _raw(name, value)
    for name, value in {**SECURITY_HEADERS, "Content-Security-Policy": API_CSP}.items()
)
_DOCS_HEADERS = tuple(
    _raw(name, value)
    for name, value in {**SECURITY_HEADERS, "Content-Security-Policy": DOCS_CSP}.items()
)
_PRIVATE = _raw("Cache-Control", "private, no-cache")
_NO_STORE = _raw("Cache-Control", "no-store")
_NO_CACHE_PRAGMA = _raw("Pragma", "no-cache")


class _Disconnected(Exception):
    """The client went away while sending its body."""


class RequestLimitsMiddleware:
    """Refuses what no route should see, before any route does: a NUL character in the
    path or query (400; PostgreSQL cannot store one, and no name needs it), a body over
    the limit (413, at once when Content-Length says so, or as soon as a streamed body
    passes it), a body that has not fully arrived within `body_timeout` seconds (408: a
    client trickling its body in would hold a connection and a worker for as long as it
    likes), and a JSON body that gives a key twice in one object (422: which one counts is
    anybody's guess). The body is read here, whole, and handed on to the route."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, body_timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
            await send_problem(
                scope, send, BadRequest("The path or query contains a NUL character.")
            )
            return
        too_large = PayloadTooLarge(f"The request body may have at most {self.max_bytes} bytes.")
        declared = header(scope, b"content-length")
        length = parse_id(declared.strip()) if declared is not None else None
        if length is not None and length > self.max_bytes:
            await send_problem(scope, send, too_large, {"Connection": "close"})
            return
        if not length and header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)  # no body to read
            return
        try:
            async with asyncio.timeout(self.body_timeout):
                body = await self._read(receive, too_large)
        except TimeoutError:
            slow = RequestTimeout(
                f"The request body did not arrive within {self.body_timeout:g} s."
            )
            await send_problem(scope, send, slow, {"Connection": "close"})
            return
        except PayloadTooLarge:
            await send_problem(scope, send, too_large, {"Connection": "close"})
            return
        except _Disconnected:
            return
        if _is_json(header(scope, b"content-type")):
            twice = duplicate_keys(body)
            if twice:
                await send_problem(scope, send, DuplicateKeys(twice))
                return
        handed_on = False

        async def replay() -> Message:
            nonlocal handed_on
            if handed_on:
                return await receive()  # after the body: a disconnect, when it comes
            handed_on = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive, too_large: PayloadTooLarge) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class RefusalLog:
    """One log line per throttled identity and policy at most every `interval` seconds,
    with how many requests were refused meanwhile: a script hammering the API must not
    turn into a flood of log lines."""

    def __init__(self, *, interval: float = 10.0, capacity: int = 10_000) -> None:
        self._interval = interval
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, str], tuple[float, int]] = OrderedDict()

    def refused(self, scope: Scope, policy: str, identity: str) -> None:
        key = (policy, identity)
        now = time.monotonic()
        logged_at, suppressed = self._seen.get(key, (-math.inf, 0))
        if now - logged_at < self._interval:
            self._seen[key] = (logged_at, suppressed + 1)
            return
        self._seen[key] = (now, 0)
        self._seen.move_to_end(key)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        log.warning(
            "rate_limited",
            policy=policy,
            identity=identity,
            method=scope.get("method"),
            # The raw path: the route is not matched yet when a request is throttled.
            path=str(scope.get("path", ""))[:200],
            refused_since_last_line=suppressed,
        )


class RateLimitMiddleware:
    """Counts each request against the policy of its kind: sign-ins and token refreshes
    per client address, reads and writes (and GraphQL) per identity (the user or API
    key, else the address). Looking up one's own quota is never counted nor refused.
    Every counted response carries `RateLimit-Policy` and `RateLimit`; a refused one is a
    429 with `Retry-After`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.refusals = RefusalLog()

    @staticmethod
    def kind_of(scope: Scope) -> str | None:
        path: str = scope.get("path", "")
        if path == LOGIN_PATH:
            return LOGIN
        if path == REFRESH_PATH:
            return REFRESH
        if path.startswith(QUOTA_PATHS):
            return None
        if path.startswith("/graphql"):
            return GRAPHQL
        if path.startswith(("/api/", "/monitoring/")):
            return READ if scope.get("method") in READ_METHODS else WRITE
        if path.startswith(ICAL_PATH):
            # Calendar feeds: no token, so counted by address as any anonymous read.
            return READ
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = getattr(scope.get("app"), "state", None)
        limiter = getattr(getattr(runtime, "runtime", None), "rate_limiter", None)
        kind = self.kind_of(scope) if scope["type"] == "http" else None
        if (
            kind is None
            or scope.get("method") == "OPTIONS"
            or limiter is None
            or not limiter.enabled
        ):
            await self.app(scope, receive, send)
            return
        context = _context(scope)
        address = context.client_ip if context else None
        identity = f"ip:{address}"
        if kind not in (LOGIN, REFRESH):
            runtime = scope["app"].state.runtime

            async def genuine(token: str) -> bool:
                async with runtime.session_factory() as session:
                    return await api_key_service.find_live(session, token) is not None

            known = await credentials.rate_limit_identity(
                scope, runtime.tokens, runtime.verified_keys, genuine
            )
            identity = known or identity
        decision = await limiter.hit(kind, identity)
        headers = {"RateLimit-Policy": decision.policy.header}
        if decision.header:
            headers["RateLimit"] = decision.header
        if decision.allowed:
            await self.app(scope, receive, _adding(send, headers))
            return
        name = decision.policy.name
        RATE_LIMITED_REQUESTS.labels(policy=name).inc()
        self.refusals.refused(scope, name, identity)
        headers["Retry-After"] = str(max(1, decision.reset_after))
        refused = TooManyRequests(
            f"The {name} rate limit ({decision.policy.limit} requests per "
            f"{decision.policy.window_seconds} s) is used up; retry in {headers['Retry-After']} s."
        )
        await send_problem(scope, send, refused, headers)


def _adding(send: Send, headers: dict[str, str]) -> Send:
    """`send`, adding these headers to the response where it has none of the name."""
    raw = [_raw(name, value) for name, value in headers.items()]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", ())}
            message["headers"] = [
                *message.get("headers", ()),
                *(header for header in raw if header[0] not in present),
            ]
        await send(message)

    return send_with_headers


class AuditRefusalsMiddleware:
    """An audit entry for every write that was refused: the request's own transaction
    rolled back, so the entry is committed on its own. Rate-limit refusals are left to
    the metrics (an attacker must not be able to make us write a row per rejected try)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            if status >= 400 and status != 429 and scope.get("path") not in SELF_AUDITED:
                await self._record(scope, status)

    @staticmethod
    async def _record(scope: Scope, status: int) -> None:
        runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        if runtime is None:
            return
        route = route_template(scope)
        params = scope.get("path_params") or {}
        resource_id = next(
            (
                number
                for k, v in params.items()
                if k.endswith("_id") and (number := parse_id(str(v))) is not None
            ),
            None,
        )
        try:
            await audit_service.record_separately(
                runtime.session_factory,
                action=f"{scope['method']} {route}",
                outcome=AuditOutcome.DENIED if status in (401, 403) else AuditOutcome.FAILURE,
                resource_type=route.split("/")[2] if route.startswith("/api/") else None,
                resource_id=resource_id,
                status_code=status,
                details=None if route != "<unmatched>" else {"path": scope.get("path", "")[:200]},
            )
        except Exception:
            log.exception("audit_write_failed", route=route, status=status)
