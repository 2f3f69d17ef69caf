"""Pure ASGI middleware (never BaseHTTPMiddleware: it costs throughput and breaks
streaming). RequestContextMiddleware gives every request an id, binds it to the log
context, echoes it in `X-Request-ID`, measures it (metrics and rollups) and writes one
access-log line per request."""

from __future__ import annotations

import random
import re
import secrets
import time

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shiftplanner.errors import ShiftPlannerError, send_problem
from shiftplanner.logging import get_logger
from shiftplanner.monitoring.errors import service as error_service
from shiftplanner.monitoring.http import HttpMeasurements
from shiftplanner.monitoring.metrics import UNMATCHED_ROUTE
from shiftplanner.monitoring.recorder import current_queries
from shiftplanner.security.context import (
    Network,
    RequestContext,
    bind_request,
    client_address,
    is_https,
    unbind_request,
    user_agent,
)

REQUEST_ID_HEADER = "x-request-id"
# A client's id is kept only if it is short and plain, so logs cannot be forged with it.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Our ids: this process's random prefix and 64 pseudo-random bits, unique across
# processes and replicas without a system call for randomness on every request (uuid4
# was 3 % of a cached read), and telling nothing of how many requests came before.
_PROCESS_PREFIX = secrets.token_hex(8)
_REQUEST_IDS = random.Random(secrets.randbits(128))  # noqa: S311 (an id, not a secret)

# Set by a layer that answers before routing (the cache's fast path): its path template.
ANSWERED_ROUTE = "shiftplanner.answered_route"

access_log = get_logger("shiftplanner.access")


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/api/analysts/{analyst_id}`), never the raw
    path, so logs and metrics group by route."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    answered = scope.get(ANSWERED_ROUTE)
    return answered if isinstance(answered, str) else UNMATCHED_ROUTE


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        trusted_proxies: tuple[Network, ...] = (),
        measurements: HttpMeasurements | None = None,
    ) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies
        self.measurements = measurements

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        context = RequestContext(
            request_id=request_id,
            client_ip=client_address(scope, self.trusted_proxies),
            user_agent=user_agent(scope),
            https=is_https(scope, self.trusted_proxies),
        )
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["context"] = context
        bind_request(context)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        measurements = self.measurements
        queries = measurements.started() if measurements is not None else None
        current_queries.set(queries)
        started = time.perf_counter()
        # An event stream is measured to its opening: its whole length is how long the
        # client stayed, not how slow the service was.
        opened: float | None = None
        status = 500
        size = 0

        id_header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            nonlocal status, size, opened
            if message["type"] == "http.response.start":
                status = message["status"]
                # Only measurements use it: no header scan when they are off.
                if queries is not None and _is_event_stream(message):
                    opened = time.perf_counter()
                message["headers"] = [*message.get("headers", ()), id_header]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration = time.perf_counter() - started
            method: str = scope["method"]
            route = route_template(scope)
            if measurements is not None and queries is not None:
                measured = duration if opened is None else opened - started
                measurements.finished(method, route, status, measured, size, queries)
            access_log.info(
                "request",
                method=method,
                route=route,
                status=status,
                duration_ms=round(duration * 1000, 2),
                bytes=size,
                client_ip=context.client_ip,
                user_id=context.user_id,
                api_key_id=context.api_key_id,
            )
            structlog.contextvars.clear_contextvars()
            unbind_request()
            current_queries.set(None)

    @staticmethod
    def _request_id(scope: Scope) -> str:
        for name, value in scope.get("headers", ()):
            if name == REQUEST_ID_HEADER.encode():
                candidate = bytes(value).decode("latin-1")
                if _ACCEPTABLE_REQUEST_ID.match(candidate):
                    return candidate
                break
        return f"{_PROCESS_PREFIX}{_REQUEST_IDS.getrandbits(64):016x}"


def _is_event_stream(start: Message) -> bool:
    for name, value in start.get("headers", ()):
        if name.lower() == b"content-type":
            return bytes(value).split(b";", 1)[0].strip() == b"text/event-stream"
    return False


class UnhandledErrorMiddleware:
    """The safety net: an exception no handler took becomes a 500 problem document here,
    inside the other middleware (only the cache's fast path is further in), so that even
    a failure carries the request id, the security headers and its audit entry. Its
    details go to the log, and to error tracking (after the answer is sent, so the
    client does not wait for that write)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            method, route = scope.get("method"), route_template(scope)
            access_log.exception("unhandled_error", method=method, route=route)
            context = scope.get("state", {}).get("context")
            try:
                if not started:
                    await send_problem(
                        scope,
                        send,
                        ShiftPlannerError(
                            "The server failed to handle the request; quote the request id when reporting it."
                        ),
                    )
            finally:
                await error_service.capture(
                    self._session_factory(scope),
                    error,
                    context=context if isinstance(context, RequestContext) else None,
                    method=method,
                    route=route,
                )
            if started:
                raise

    @staticmethod
    def _session_factory(scope: Scope) -> async_sessionmaker[AsyncSession] | None:
        """The running app's (none before its start-up finished)."""
        runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        factory = getattr(runtime, "session_factory", None)
        return factory if isinstance(factory, async_sessionmaker) else None
