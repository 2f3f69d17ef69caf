"""The security view for admins: the effective settings, and rate-limit quotas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.security import schemas
from shiftplanner.security import service as security_service
from shiftplanner.security.dependencies import AdminActor

router = APIRouter(prefix="/monitoring/security", tags=["security"])


@router.get("/config")
async def security_config(runtime: RuntimeDep, actor: AdminActor) -> schemas.SecurityConfig:
    """The security settings in effect (admin). Secrets are never shown, only whether
    they are set."""
    return security_service.effective_config(runtime)


@router.get(
    "/rate-limit/{identifier}",
    responses=problems(
        {404: "No such user or key in your organization", 403: "Addresses: platform operator only"}
    ),
)
async def rate_limit_status(
    identifier: Annotated[str, Path(max_length=100)],
    session: SessionDep,
    runtime: RuntimeDep,
    actor: AdminActor,
) -> schemas.RateLimitStatus:
    """What is left of each rate-limit policy for an identity (admin), without counting a
    request: `user:<id>` or `key:<id>` of your organization, or (platform operator only)
    `ip:<address>`."""
    return await security_service.rate_limit_status(session, runtime, actor, identifier)
