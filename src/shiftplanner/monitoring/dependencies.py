"""Who may read what the service measures of itself without being the operator: a
client in SHIFTPLANNER_METRICS_ALLOWED_NETWORKS (the Prometheus server, a load
balancer's probe)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.exc import DBAPIError

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.errors import ServiceUnavailable
from shiftplanner.security.context import RequestContext, in_networks, parse_networks
from shiftplanner.security.dependencies import (
    ApiKeyHeader,
    bearer_scheme,
    get_actor,
    require_operator,
)

Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def operator_or_allowed_network(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    bearer: Bearer,
    api_key: ApiKeyHeader = None,
) -> None:
    """A client in the allowed networks, let in without the database, so that it sees
    every check while the database is down; otherwise the platform operator or a
    `monitoring` API key, whose credentials need the database: while it cannot be
    reached they get a 503."""
    context = getattr(request.state, "context", None)
    address = context.client_ip if isinstance(context, RequestContext) else None
    if in_networks(address, parse_networks(runtime.settings.metrics_allowed_networks)):
        return
    try:
        actor = await get_actor(request, runtime, session, bearer, api_key)
    except (DBAPIError, OSError, TimeoutError) as error:
        raise ServiceUnavailable(
            "The database cannot be reached, so the credentials cannot be checked: the "
            "service is not ready. Ask from an allowed network "
            "(SHIFTPLANNER_METRICS_ALLOWED_NETWORKS) to see every check."
        ) from error
    await require_operator(actor)


async def metrics_reader(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    bearer: Bearer,
    api_key: ApiKeyHeader = None,
) -> None:
    """`/metrics`: anyone in development; in production as above."""
    if runtime.settings.is_production:
        await operator_or_allowed_network(request, runtime, session, bearer, api_key)
