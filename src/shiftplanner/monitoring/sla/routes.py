from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.time import utcnow
from shiftplanner.monitoring.sla import schemas, summary
from shiftplanner.security.dependencies import OperatorActor

router = APIRouter(prefix="/monitoring", tags=["operations"])


@router.get(
    "/sla",
    responses=problems(
        {
            422: "A window that is not a number of minutes, hours or days, or longer than the retention"
        }
    ),
)
async def sla(
    session: SessionDep,
    runtime: RuntimeDep,
    actor: OperatorActor,
    window: Annotated[
        str,
        Query(
            description="`1h`, `24h`, `7d`, `30d`, `90d`: minutes, hours or days, up to the retention."
        ),
    ] = "30d",
) -> schemas.SlaReport:
    """The service level over the window (platform operator, or an API key with the
    `monitoring` scope): availability from the synthetic probe, the error rate (5xx of
    all requests) and p95 latency, each against its target (settings
    `SHIFTPLANNER_SLA_*`), and the error budget: the down minutes the availability target
    allows in the window, those spent, what remains, and the runs of minutes that spent
    it. A minute counts down by the share of its probe runs that failed; a minute with
    no probe result at all, after the service's first, counts wholly down, so restarts
    and outages spend budget."""
    return await summary.sla_report(session, runtime.settings, window, utcnow())
