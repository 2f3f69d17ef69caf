"""`create_app(settings)`: the ASGI application with its routers, middleware and a lifespan
that opens the database and starts the background workers. Nothing connects at import."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.cors import CORSMiddleware

from shiftplanner import __version__
from shiftplanner.absences.routes import router as absences_router
from shiftplanner.alerting.alerts.routes import router as alerts_router
from shiftplanner.alerting.escalation.routes import alerts_router as escalate_router
from shiftplanner.alerting.escalation.routes import router as escalation_policies_router
from shiftplanner.alerting.rules.routes import router as alert_rules_router
from shiftplanner.analysts.routes import router as analysts_router
from shiftplanner.auth.routes import router as auth_router
from shiftplanner.blackouts.routes import router as blackouts_router
from shiftplanner.calendar_feeds.routes import export_router as schedule_export_router
from shiftplanner.calendar_feeds.routes import feed_router as ical_feed_router
from shiftplanner.calendar_feeds.routes import router as calendar_feeds_router
from shiftplanner.config import Settings, get_settings
from shiftplanner.conflicts.routes import router as conflicts_router
from shiftplanner.coverage.routes import router as coverage_router
from shiftplanner.dependencies import refuse_unknown_query_parameters
from shiftplanner.errors import install_error_handlers
from shiftplanner.generation.routes import router as generation_router
from shiftplanner.health import router as health_router
from shiftplanner.holidays.routes import router as holidays_router
from shiftplanner.kit.docs import install_docs
from shiftplanner.kit.openapi import install_problem_schema
from shiftplanner.live.routes import router as live_router
from shiftplanner.live.signals import end_streams_on_stop
from shiftplanner.logging import configure_logging
from shiftplanner.middleware import RequestContextMiddleware, UnhandledErrorMiddleware
from shiftplanner.monitoring import prometheus
from shiftplanner.monitoring.dashboard.routes import router as dashboard_router
from shiftplanner.monitoring.errors.routes import router as errors_router
from shiftplanner.monitoring.health.routes import router as readiness_router
from shiftplanner.monitoring.http import HttpMeasurements
from shiftplanner.monitoring.profiler.routes import router as profiler_router
from shiftplanner.monitoring.recorder import Recorder
from shiftplanner.monitoring.rollups.routes import router as rollups_router
from shiftplanner.monitoring.routes import router as monitoring_router
from shiftplanner.monitoring.sla.routes import router as sla_router
from shiftplanner.notifications.channels.routes import router as notification_channels_router
from shiftplanner.notifications.deliveries.routes import router as notification_deliveries_router
from shiftplanner.notifications.routes import router as notifications_router
from shiftplanner.orgs.routes import router as organizations_router
from shiftplanner.performance.cache.fast_path import CachedReadsMiddleware
from shiftplanner.performance.cache.routes import router as cache_router
from shiftplanner.performance.compression import CompressionMiddleware
from shiftplanner.performance.etags import ETagMiddleware
from shiftplanner.runtime import Runtime
from shiftplanner.schedules.routes import router as schedules_router
from shiftplanner.security.api_keys.routes import router as api_keys_router
from shiftplanner.security.audit.routes import router as audit_router
from shiftplanner.security.context import parse_networks
from shiftplanner.security.middleware import (
    AuditRefusalsMiddleware,
    RateLimitMiddleware,
    RequestLimitsMiddleware,
    SecurityHeadersMiddleware,
)
from shiftplanner.security.routes import router as security_router
from shiftplanner.shift_requests.routes import router as shift_requests_router
from shiftplanner.shifts.routes import router as shift_types_router
from shiftplanner.teams.routes import router as teams_router
from shiftplanner.users.routes import router as users_router
from shiftplanner.web.pages import install_pages
from shiftplanner.webhooks.deliveries.routes import router as webhook_deliveries_router
from shiftplanner.webhooks.deliveries.routes import stats_router as webhook_stats_router
from shiftplanner.webhooks.endpoints.routes import router as webhook_endpoints_router
from shiftplanner.webhooks.event_types.routes import router as webhook_event_types_router

API_ROUTERS = (
    auth_router,
    organizations_router,
    teams_router,
    users_router,
    analysts_router,
    shift_types_router,
    # Before the schedule router: /api/schedules/generate/... is not an assignment.
    generation_router,
    # Before the schedule router: /api/schedules/export.csv is not an assignment.
    schedule_export_router,
    schedules_router,
    absences_router,
    conflicts_router,
    holidays_router,
    blackouts_router,
    coverage_router,
    shift_requests_router,
    calendar_feeds_router,
    ical_feed_router,
    api_keys_router,
    audit_router,
    security_router,
    cache_router,
    monitoring_router,
    dashboard_router,
    rollups_router,
    sla_router,
    errors_router,
    profiler_router,
    readiness_router,
    alert_rules_router,
    alerts_router,
    escalate_router,
    escalation_policies_router,
    notifications_router,
    notification_channels_router,
    notification_deliveries_router,
    # Before the endpoints' router: /monitoring/webhooks/stats is no endpoint id.
    webhook_event_types_router,
    webhook_stats_router,
    webhook_endpoints_router,
    webhook_deliveries_router,
    live_router,
)

OPENAPI_URL = "/openapi.json"
DESCRIPTION = """
Shift scheduling for analyst teams: organizations, teams, analysts with skills, shift
types with coverage needs, schedule assignments, absences and conflict detection.

Sign in with `POST /api/auth/login`, then send the access token as
`Authorization: Bearer <token>` (the **Authorize** button here). Every error is an
RFC 9457 `application/problem+json` document.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    # Made here, before the lifespan, because the request middleware feeds it.
    recorder = Recorder()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.build(settings, recorder)
        app.state.runtime = runtime
        app.state.started_at = time.monotonic()
        if settings.dispatcher_enabled:
            runtime.dispatcher.start()
        if settings.generation_runner_enabled:
            await runtime.generation_runner.start()
        if settings.notifications_enabled:
            runtime.delivery_worker.start()
        if settings.webhooks_enabled:
            runtime.webhook_sender.start()
        forget_stop_signals = None
        if settings.live_enabled:
            await runtime.live.start()
            forget_stop_signals = end_streams_on_stop(runtime.live)
        warming = runtime.warm_cache() if settings.cache_warm_up else None
        runtime.monitoring.start()
        if settings.alerting_enabled:
            runtime.alerting.start()
        try:
            yield
        finally:
            if warming is not None:
                warming.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await warming
            if forget_stop_signals is not None:
                forget_stop_signals()
            await runtime.close()
            prometheus.process_exited(settings.prometheus_multiproc_dir)

    docs = settings.docs_visible
    app = FastAPI(
        title="ShiftPlanner",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query_parameters)],
        # The pages are served by install_docs, from assets of our own, not a CDN.
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL if docs else None,
    )
    if docs:
        install_docs(app, openapi_url=OPENAPI_URL)
    install_error_handlers(app)
    install_problem_schema(app)
    install_middleware(
        app, settings, HttpMeasurements(recorder) if settings.metrics_enabled else None
    )
    app.include_router(health_router)
    for router in API_ROUTERS:
        app.include_router(router)
    install_pages(app, settings)
    return app


def route_methods() -> list[str]:
    """Every method some route answers, for CORS: a browser may call whatever exists."""
    methods: set[str] = set()
    for router in (health_router, *API_ROUTERS):
        for route in router.routes:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods - {"HEAD", "OPTIONS"})


def install_middleware(
    app: FastAPI, settings: Settings, measurements: HttpMeasurements | None
) -> None:
    """Pure ASGI middleware, outermost first: request context (id, client, access log),
    compression, security headers, CORS, ETags of answers without one, body limit, rate
    limit, audit of refused writes, the safety net that turns any unhandled error into a
    500 problem document, and the cache's fast path (cached reads answered before
    routing)."""
    app.add_middleware(CachedReadsMiddleware)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(AuditRefusalsMiddleware)
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(
        RequestLimitsMiddleware,
        max_bytes=settings.max_body_bytes,
        body_timeout=settings.request_body_timeout_seconds,
    )
    app.add_middleware(ETagMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=route_methods(),
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Last-Event-ID",
                "X-API-Key",
                "X-Request-ID",
            ],
            expose_headers=[
                "ETag",
                "Location",
                "RateLimit",
                "RateLimit-Policy",
                "Retry-After",
                "X-Cache",
                "X-Request-ID",
            ],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware, hsts_max_age=settings.hsts_max_age_seconds)
    if settings.compression_minimum_bytes is not None:
        app.add_middleware(CompressionMiddleware, minimum_size=settings.compression_minimum_bytes)
    app.add_middleware(
        RequestContextMiddleware,
        trusted_proxies=parse_networks(settings.trusted_proxies),
        measurements=measurements,
    )
