from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from shiftplanner.dependencies import RuntimeDep
from shiftplanner.kit.openapi import problems
from shiftplanner.monitoring.dependencies import operator_or_allowed_network
from shiftplanner.monitoring.health import service
from shiftplanner.monitoring.health.schemas import MEDIA_TYPE, HealthReport

router = APIRouter(tags=["operations"])


class HealthResponse(Response):
    media_type = MEDIA_TYPE


@router.get(
    "/monitoring/health",
    dependencies=[Depends(operator_or_allowed_network)],
    response_class=HealthResponse,
    response_model=HealthReport,
    responses={
        200: {"description": "Ready: every check passes or warns"},
        503: {"model": HealthReport, "description": "Not ready: at least one check fails"},
        **problems(
            {
                401: "No credentials (from outside the allowed networks)",
                403: "Neither the platform operator nor a `monitoring` API key",
            }
        ),
    },
)
async def readiness(runtime: RuntimeDep) -> Response:
    """Readiness (draft-inadarei-api-health-check, `application/health+json`): the
    database's and Redis's response time, the data disk's and the machine's memory use,
    and each background worker's lag. `status` is the worst check's: `pass`, `warn` or
    `fail`, answered 503. Unlike `/health` (liveness), this one looks at dependencies:
    a load balancer may take the instance out of rotation on a 503.

    The platform operator or a `monitoring` API key may read it, and so may any client
    in SHIFTPLANNER_METRICS_ALLOWED_NETWORKS without credentials (a load balancer's
    probe; and while the database is down, credentials cannot be checked)."""
    report = await service.readiness(runtime)
    return HealthResponse(
        report.model_dump_json(by_alias=True, exclude_none=True),
        status_code=status.HTTP_200_OK if report.ready else status.HTTP_503_SERVICE_UNAVAILABLE,
    )
