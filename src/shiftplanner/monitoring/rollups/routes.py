from __future__ import annotations

from fastapi import APIRouter

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.time import utcnow
from shiftplanner.monitoring.rollups import schemas, summary
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
