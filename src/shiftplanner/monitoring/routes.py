from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from shiftplanner.dependencies import RuntimeDep
from shiftplanner.kit.openapi import problems
from shiftplanner.monitoring import prometheus
from shiftplanner.monitoring.dependencies import metrics_reader

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    dependencies=[Depends(metrics_reader)],
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {}, "application/openmetrics-text": {}},
            "description": "Prometheus's text format, or OpenMetrics when asked for",
        },
        **problems(
            {
                401: "Production, from outside the allowed networks, without credentials",
                403: "Neither the platform operator nor a `monitoring` API key",
                503: "Credentials cannot be checked while the database is down",
            }
        ),
    },
)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """Every `shiftplanner_` metric in Prometheus's text format (OpenMetrics when the
    client asks for it), summed over the worker processes when there are several. Point
    Prometheus's scrape config here."""
    body, content_type = prometheus.exposition(
        runtime.settings.prometheus_multiproc_dir, request.headers.get("accept")
    )
    return Response(body, headers={"content-type": content_type})
