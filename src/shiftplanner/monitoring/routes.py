from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.monitoring import prometheus
from shiftplanner.security.context import RequestContext, in_networks, parse_networks
from shiftplanner.security.dependencies import (
    ApiKeyHeader,
    bearer_scheme,
    get_actor,
    require_operator,
)

router = APIRouter(tags=["operations"])


async def metrics_reader(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: ApiKeyHeader = None,
) -> None:
    """In production: a client in SHIFTPLANNER_METRICS_ALLOWED_NETWORKS, or the platform
    operator or an API key with the `monitoring` scope. In development: anyone."""
    settings = runtime.settings
    if not settings.is_production:
        return
    context = getattr(request.state, "context", None)
    address = context.client_ip if isinstance(context, RequestContext) else None
    if in_networks(address, parse_networks(settings.metrics_allowed_networks)):
        return
    await require_operator(await get_actor(request, runtime, session, bearer, api_key))


@router.get(
    "/metrics",
    dependencies=[Depends(metrics_reader)],
    response_class=Response,
    responses={
        200: {"content": {prometheus.CONTENT_TYPE: {}}, "description": "Prometheus text format"},
        **problems(
            {
                401: "Production, from outside the allowed networks, without credentials",
                403: "Neither the platform operator nor a `monitoring` API key",
            }
        ),
    },
)
async def metrics(runtime: RuntimeDep) -> Response:
    """Every `shiftplanner_` metric in Prometheus's text format, summed over the worker
    processes when there are several. Point Prometheus's scrape config here."""
    body = prometheus.exposition(runtime.settings.prometheus_multiproc_dir)
    return Response(body, media_type=prometheus.CONTENT_TYPE)
