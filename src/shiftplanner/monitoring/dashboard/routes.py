from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.time import utcnow
from shiftplanner.monitoring.dashboard import schemas
from shiftplanner.monitoring.dashboard import service as dashboard_service
from shiftplanner.monitoring.health import service as health_service
from shiftplanner.performance.cache import service as cache_service
from shiftplanner.security.dependencies import OperatorActor

router = APIRouter(prefix="/monitoring", tags=["operations"])


@router.get(
    "/performance",
    responses=problems(
        {422: "A window that is not a number of minutes, hours or days, or too long"}
    ),
)
async def performance(
    session: SessionDep,
    runtime: RuntimeDep,
    actor: OperatorActor,
    window: Annotated[
        str, Query(description="`15m`, `60m`, `24h`, `7d`: minutes, hours or days.")
    ] = "60m",
) -> schemas.PerformanceReport:
    """Where the time goes (platform operator, or an API key with the `monitoring`
    scope): every route's requests, p50/p95/p99 and error rate over the window, from the
    stored rollups of every process; the routes whose p95 is above
    SHIFTPLANNER_SLOW_REQUEST_THRESHOLD_MS; and the statements that took the most time,
    normalised, with calls, mean and p95, judged against
    SHIFTPLANNER_SLOW_QUERY_THRESHOLD_MS. Statements come from PostgreSQL's
    `pg_stat_statements` when the extension is loaded (every process), else from this
    process's own measurements since it started."""
    measuring = runtime.monitoring.measuring
    return await dashboard_service.performance(
        session,
        runtime.settings,
        measuring.database if measuring is not None else None,
        window=window,
        now=utcnow(),
    )


@router.get("/dashboard")
async def dashboard(
    session: SessionDep, runtime: RuntimeDep, actor: OperatorActor
) -> schemas.Dashboard:
    """Everything an operations page shows, in one answer (platform operator, or an API
    key with the `monitoring` scope): readiness and its checks, the current figures
    (rates, percentiles, top routes, process), the last hour minute by minute, the SLA
    of the last 30 days with its error budget, the last hour's performance, the most
    recent errors, the response cache, the generation queue, and your organization's open
    and latest alerts."""
    measuring = runtime.monitoring.measuring
    return await dashboard_service.dashboard(
        session,
        runtime.settings,
        measuring.database if measuring is not None else None,
        actor=actor,
        readiness=await health_service.readiness(runtime),
        cache=await cache_service.stats(runtime.response_store),
        now=utcnow(),
    )
