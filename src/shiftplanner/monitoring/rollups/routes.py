from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.time import utcnow
from shiftplanner.monitoring.rollups import schemas, series, summary
from shiftplanner.security.dependencies import OperatorActor

router = APIRouter(prefix="/monitoring", tags=["operations"])


@router.get("/metrics")
async def metrics_summary(session: SessionDep, actor: OperatorActor) -> schemas.MetricsSummary:
    """The service's current figures for dashboards (platform operator, or an API key
    with the `monitoring` scope), from the stored rollups of every process: request
    rate, error rate and p50/p95/p99 latency over the last 1, 5, 15 and 60 minutes; the
    routes that took the most time and answered the most errors in the last hour; and
    CPU, memory, event-loop lag, database pool and cache of the latest stored minute.
    Percentiles are estimated from latency buckets the way Prometheus's
    `histogram_quantile` does. The minute in progress is not stored yet: windows end at
    its start."""
    return await summary.metrics_summary(session, utcnow())


@router.get(
    "/metrics/series",
    responses=problems(
        {422: "A window that is not a number of minutes, hours or days, or too long"}
    ),
)
async def metrics_series(
    session: SessionDep,
    runtime: RuntimeDep,
    actor: OperatorActor,
    window: Annotated[
        str, Query(description="`1h`, `6h`, `24h`, `7d`: minutes, hours or days.")
    ] = "1h",
) -> schemas.MetricsSeries:
    """Request rate, error rate and p50/p95/p99 latency over the window, step by step,
    for charts (platform operator, or an API key with the `monitoring` scope), from the
    stored rollups of every process. The step is the finest of 1, 5 or 15 minutes, 1 or
    6 hours or a day that keeps the window within 200 points (a minute for an hour, an
    hour for a week); every step is there, those without requests as zero."""
    return await series.metrics_series(session, runtime.settings, window, utcnow())
