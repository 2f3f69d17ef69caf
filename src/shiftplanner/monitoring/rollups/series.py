"""Request rate, error rate and latency percentiles over a window, step by step, from
the stored rollups: what an operations page charts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.monitoring.rollups import schemas
from shiftplanner.monitoring.rollups import service as rollup_service
from shiftplanner.monitoring.rollups.buckets import HOUR, MINUTE, floor_minute, floor_step
from shiftplanner.monitoring.rollups.windows import parse_window

# A chart needs no more points than it has pixels to spare: the finest step that keeps
# a window under this many (a week by the hour, a day by the quarter hour).
MAX_POINTS = 200
STEPS = tuple(timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 6 * 60, 24 * 60))


def step_for(window: timedelta, minute_retention: timedelta) -> timedelta:
    """The finest step within MAX_POINTS; whole hours once the window reaches back past
    the minute rows' retention (only hour rows are left there)."""
    hourly = window > minute_retention
    return next(
        (step for step in STEPS if window / step <= MAX_POINTS and (step >= HOUR or not hourly)),
        STEPS[-1],
    )


async def metrics_series(
    session: AsyncSession, settings: Settings, window: str, now: datetime
) -> schemas.MetricsSeries:
    """Every step of the window up to the current minute (which is not stored yet), with
    its requests, rate, 5xx share and p50/p95/p99; steps without requests as zero."""
    length = parse_window(window, max_days=settings.rollup_hour_retention_days)
    step = step_for(length, timedelta(days=settings.rollup_minute_retention_days))
    end = floor_minute(now)
    start = floor_step(end - length, step)
    measured = {
        point.start: point.totals
        for point in await rollup_service.series(session, start=start, end=end, step=step)
    }
    points = []
    moment = start
    while moment < end:
        totals = measured.get(moment, rollup_service.Totals())
        minutes = min(step, end - moment) / MINUTE
        points.append(
            schemas.ChartPoint(
                start=moment,
                requests=totals.requests,
                request_rate_per_minute=totals.requests / minutes,
                error_rate_percent=totals.error_rate,
                p50_ms=totals.p50_ms,
                p95_ms=totals.p95_ms,
                p99_ms=totals.p99_ms,
            )
        )
        moment += step
    return schemas.MetricsSeries(
        window=window.strip(),
        start=start,
        end=end,
        step_seconds=int(step.total_seconds()),
        points=points,
    )
