"""The operations overview: per-route and per-statement performance over a window, and
the dashboard's one document, composed from what the other monitoring parts measure and
from the domain's own read functions (the generation queue)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.alerts import service as alert_service
from shiftplanner.alerting.alerts.schemas import Alert
from shiftplanner.config import Settings
from shiftplanner.generation import service as generation_service
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import JobStatus
from shiftplanner.monitoring.dashboard import schemas
from shiftplanner.monitoring.database import DatabaseMetrics, SlowStatement, pg_stat_statements
from shiftplanner.monitoring.errors import service as error_service
from shiftplanner.monitoring.errors.schemas import ErrorGroup
from shiftplanner.monitoring.health.schemas import HealthReport
from shiftplanner.monitoring.rollups import service as rollup_service
from shiftplanner.monitoring.rollups.buckets import MINUTE, floor_minute, ratio
from shiftplanner.monitoring.rollups.summary import metrics_summary
from shiftplanner.monitoring.rollups.windows import parse_window
from shiftplanner.monitoring.sla.summary import sla_report
from shiftplanner.performance.cache.schemas import CacheStats
from shiftplanner.security.actor import Actor

STATEMENTS = 10
RECENT_ERRORS = 10
OPEN_ALERTS = 20
RECENT_ALERTS = 10
DASHBOARD_WINDOW = "60m"
DASHBOARD_SLA_WINDOW = "30d"


async def performance(
    session: AsyncSession,
    settings: Settings,
    database: DatabaseMetrics | None,
    *,
    window: str,
    now: datetime,
) -> schemas.PerformanceReport:
    """Each route's latency over the window (from the stored rollups of every process),
    the routes slower than the threshold, and the slowest statements (PostgreSQL's
    pg_stat_statements when loaded, else this process's own measurements)."""
    length = parse_window(window, max_days=settings.rollup_hour_retention_days)
    end = floor_minute(now)
    start = end - length
    slow_ms = settings.slow_request_threshold_ms
    routes = sorted(
        (
            _route(route, slow_ms)
            for route in await rollup_service.by_route(session, start=start, end=end)
        ),
        key=lambda route: route.p95_ms or 0.0,
        reverse=True,
    )
    pg_statements = await pg_stat_statements(session, STATEMENTS)
    statements = (
        pg_statements
        if pg_statements is not None
        else database.slowest_statements(STATEMENTS)
        if database is not None
        else []
    )
    return schemas.PerformanceReport(
        window=window.strip(),
        start=start,
        end=end,
        thresholds=schemas.Thresholds(
            slow_request_ms=slow_ms, slow_query_ms=settings.slow_query_threshold_ms
        ),
        routes=routes,
        slowest_routes=[route for route in routes if route.slow],
        statements_source="pg_stat_statements" if pg_statements is not None else "process",
        slowest_statements=[
            _statement(statement, settings.slow_query_threshold_ms) for statement in statements
        ],
    )


def _route(route: rollup_service.RouteTotals, slow_ms: float) -> schemas.RoutePerformance:
    totals = route.totals
    return schemas.RoutePerformance(
        method=route.method,
        route=route.route,
        requests=totals.requests,
        average_ms=totals.average_ms,
        p50_ms=totals.p50_ms,
        p95_ms=totals.p95_ms,
        p99_ms=totals.p99_ms,
        max_ms=totals.duration_ms_max,
        error_rate_percent=totals.error_rate,
        queries_per_request=ratio(totals.queries, totals.requests),
        slow=(totals.p95_ms or 0.0) > slow_ms,
    )


def _statement(statement: SlowStatement, slow_ms: float) -> schemas.StatementPerformance:
    return schemas.StatementPerformance(
        text=statement.text,
        operation=statement.operation,
        calls=statement.calls,
        total_ms=statement.total_ms,
        mean_ms=statement.mean_ms,
        p95_ms=statement.p95_ms,
        max_ms=statement.max_ms,
        slow=statement.mean_ms > slow_ms,
    )


async def dashboard(
    session: AsyncSession,
    settings: Settings,
    database: DatabaseMetrics | None,
    *,
    actor: Actor,
    readiness: HealthReport,
    cache: CacheStats,
    now: datetime,
) -> schemas.Dashboard:
    end = floor_minute(now)
    open_alerts, _ = await alert_service.list_alerts(
        session, actor, PageParams(limit=OPEN_ALERTS), resolved=False
    )
    recent_alerts, _ = await alert_service.list_alerts(
        session, actor, PageParams(limit=RECENT_ALERTS)
    )
    errors, _ = await error_service.list_groups(session, PageParams(limit=RECENT_ERRORS))
    jobs = await generation_service.count_jobs_by_status(session)
    return schemas.Dashboard(
        generated_at=now,
        readiness=readiness,
        metrics=await metrics_summary(session, now),
        series=await _series(session, start=end - 60 * MINUTE, end=end),
        sla=await sla_report(session, settings, DASHBOARD_SLA_WINDOW, now),
        performance=await performance(
            session, settings, database, window=DASHBOARD_WINDOW, now=now
        ),
        recent_errors=[ErrorGroup.model_validate(group) for group in errors],
        cache=cache,
        generation=schemas.GenerationQueue(
            queued=jobs[JobStatus.QUEUED],
            running=jobs[JobStatus.RUNNING],
            by_status={status.value: count for status, count in jobs.items()},
        ),
        open_alerts=[Alert.model_validate(alert) for alert in open_alerts],
        recent_alerts=[Alert.model_validate(alert) for alert in recent_alerts],
    )


async def _series(
    session: AsyncSession, *, start: datetime, end: datetime
) -> list[schemas.SeriesPoint]:
    """Every minute of [start, end), those without requests as zero, for a chart."""
    measured = {
        point.start: point.totals
        for point in await rollup_service.series(session, start=start, end=end)
    }
    points = []
    minute = start
    while minute < end:
        totals = measured.get(minute, rollup_service.Totals())
        points.append(
            schemas.SeriesPoint(
                minute=minute,
                requests=totals.requests,
                error_rate_percent=totals.error_rate,
                p50_ms=totals.p50_ms,
                p95_ms=totals.p95_ms,
                p99_ms=totals.p99_ms,
            )
        )
        minute += timedelta(minutes=1)
    return points
