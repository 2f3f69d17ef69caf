"""The service's current figures from the stored rollups, as `/monitoring/metrics` and
the dashboard show them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.monitoring.rollups import schemas
from shiftplanner.monitoring.rollups import service as rollup_service
from shiftplanner.monitoring.rollups.buckets import MEBIBYTE, MINUTE, floor_minute

WINDOWS_MINUTES = (1, 5, 15, 60)
TOP_ROUTES = 10


async def metrics_summary(session: AsyncSession, now: datetime) -> schemas.MetricsSummary:
    end = floor_minute(now)
    windows = await rollup_service.windows(session, end=end, minutes=WINDOWS_MINUTES)
    routes = await rollup_service.by_route(
        session, start=end - max(WINDOWS_MINUTES) * MINUTE, end=end
    )
    process = await rollup_service.latest_process(session, before=end + MINUTE)
    return schemas.MetricsSummary(
        generated_at=now,
        window_end=end,
        windows=[_window(minutes, windows[minutes]) for minutes in WINDOWS_MINUTES],
        top_routes_by_time=[
            route_figures(r) for r in rollup_service.top_routes(routes, by="time", limit=TOP_ROUTES)
        ],
        top_routes_by_errors=[
            route_figures(r)
            for r in rollup_service.top_routes(routes, by="errors", limit=TOP_ROUTES)
        ],
        process=_process(process) if process is not None else None,
    )


def _window(minutes: int, totals: rollup_service.Totals) -> schemas.WindowFigures:
    return schemas.WindowFigures(
        minutes=minutes,
        requests=totals.requests,
        request_rate_per_minute=totals.requests / minutes,
        error_rate_percent=totals.error_rate,
        client_error_rate_percent=totals.client_error_rate,
        average_ms=totals.average_ms,
        p50_ms=totals.p50_ms,
        p95_ms=totals.p95_ms,
        p99_ms=totals.p99_ms,
        bytes_sent=totals.bytes_sent,
        queries=totals.queries,
        slow_queries=totals.slow_queries,
    )


def route_figures(route: rollup_service.RouteTotals) -> schemas.RouteFigures:
    totals = route.totals
    return schemas.RouteFigures(
        method=route.method,
        route=route.route,
        requests=totals.requests,
        total_ms=totals.duration_ms_sum,
        average_ms=totals.average_ms,
        p95_ms=totals.p95_ms,
        max_ms=totals.duration_ms_max,
        errors_4xx=totals.errors_4xx,
        errors_5xx=totals.errors_5xx,
    )


def _process(point: rollup_service.ProcessPoint) -> schemas.ProcessFigures:
    return schemas.ProcessFigures(
        minute=point.minute,
        cpu_percent=point.cpu_percent,
        rss_mb=point.rss_bytes / MEBIBYTE,
        event_loop_lag_ms=point.event_loop_lag_ms,
        db_pool_in_use=point.db_pool_in_use,
        db_pool_size=point.db_pool_size,
        db_pool_utilization_percent=point.db_pool_utilization,
        cache_hits=point.cache_hits,
        cache_misses=point.cache_misses,
        cache_miss_rate_percent=point.cache_miss_rate,
    )
