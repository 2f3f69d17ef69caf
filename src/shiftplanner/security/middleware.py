"""Pure ASGI middleware of the security layer: response headers, the request body limit,
rate limiting, and the audit entries of refused writes."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shiftplanner.errors import BadRequest, PayloadTooLarge, TooManyRequests, send_problem
from shiftplanner.kit.validators import parse_id
from shiftplanner.logging import get_logger
from shiftplanner.middleware import route_template
from shiftplanner.models import AuditOutcome
from shiftplanner.monitoring.metrics import RATE_LIMITED_REQUESTS
from shiftplanner.security import credentials
from shiftplanner.security.api_keys import service as api_key_service
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.context import RequestContext
from shiftplanner.security.ratelimit import API, AUTH, GRAPHQL

log = get_logger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes whose refusals the auth service audits itself, with more to say.
SELF_AUDITED = frozenset({"/api/auth/login", "/api/auth/refresh"})
AUTH_PATHS = frozenset({"/api/auth/login", "/api/auth/refresh"})
DOCS_PATHS = ("/docs", "/redoc")

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
    trusted proxy that says so)."""

    def __init__(self, app: ASGIApp, *, hsts_max_age: int) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_max_age}; includeSubDomains" if hsts_max_age else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else API_CSP
        context = _context(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", csp)
                if self.hsts and context is not None and context.https:
                    headers.setdefault("Strict-Transport-Security", self.hsts)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestLimitsMiddleware:
    """Refuses what no route should see: a body over the limit (413, at once when
    Content-Length says so, or as soon as a streamed body passes it) and a NUL character
    in the path or query (400; PostgreSQL cannot store one, and no name needs it)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

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
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await send_problem(scope, send, too_large, {"Connection": "close"})
                    return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not refused:
                    # Answer now; the app's own answer to the broken-off body is dropped.
                    refused = True
                    await send_problem(scope, send, too_large, {"Connection": "close"})
                    raise too_large
            return message

        async def send_unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, send_unless_refused)


class RateLimitMiddleware:
    """Counts each request against its policy: sign-in routes per client address, the
    API and GraphQL per identity (the user or API key, else the address). Every counted
    response carries `RateLimit-Policy` and `RateLimit`; a refused one is a 429 with
    `Retry-After`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @staticmethod
    def policy_for(scope: Scope) -> str | None:
        path: str = scope.get("path", "")
        if path in AUTH_PATHS:
            return AUTH
        if path.startswith("/graphql"):
            return GRAPHQL
        if path.startswith(("/api/", "/monitoring/")):
            return API
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = getattr(scope.get("app"), "state", None)
        limiter = getattr(getattr(runtime, "runtime", None), "rate_limiter", None)
        policy = self.policy_for(scope) if scope["type"] == "http" else None
        if (
            policy is None
            or scope.get("method") == "OPTIONS"
            or limiter is None
            or not limiter.enabled
        ):
            await self.app(scope, receive, send)
            return
        context = _context(scope)
        address = context.client_ip if context else None
        identity = f"ip:{address}"
        if policy != AUTH:
            runtime = scope["app"].state.runtime

            async def genuine(token: str) -> bool:
                async with runtime.session_factory() as session:
                    return await api_key_service.find_live(session, token) is not None

            known = await credentials.rate_limit_identity(
                scope, runtime.tokens, runtime.verified_keys, genuine
            )
            identity = known or identity
        decision = await limiter.hit(policy, identity)
        headers = {"RateLimit-Policy": decision.policy.header}
        if decision.header:
            headers["RateLimit"] = decision.header
        if not decision.allowed:
            RATE_LIMITED_REQUESTS.labels(policy=policy).inc()
            headers["Retry-After"] = str(max(1, decision.reset_after))
            refused = TooManyRequests(
                f"The {policy} rate limit ({decision.policy.limit} requests per "
                f"{decision.policy.window_seconds} s) is used up; retry in {headers['Retry-After']} s."
            )
            await send_problem(scope, send, refused, headers)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers.items():
                    response_headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
