from __future__ import annotations

from fastapi import APIRouter

from shiftplanner.auth import schemas
from shiftplanner.auth import service as auth_service
from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.security.dependencies import CurrentActor, CurrentUser

router = APIRouter(prefix="/api/auth", tags=["auth"])

UNAUTHORIZED = problems({401: "Wrong credentials, or an invalid or expired token"})


@router.post("/login", responses=UNAUTHORIZED)
async def login(
    data: schemas.LoginRequest, session: SessionDep, runtime: RuntimeDep
) -> schemas.TokenPair:
    """Exchange email and password for an access token (send it as `Authorization: Bearer`)
    and a refresh token (exchange it at `/api/auth/refresh` when the access token expires)."""
    return await auth_service.login(session, runtime.passwords, runtime.tokens, data)


@router.post("/refresh", responses=UNAUTHORIZED)
async def refresh(
    data: schemas.RefreshRequest, session: SessionDep, runtime: RuntimeDep
) -> schemas.TokenPair:
    """A new token pair for a valid refresh token."""
    return await auth_service.refresh(session, runtime.tokens, data)


@router.get("/me", responses=UNAUTHORIZED)
async def me(session: SessionDep, actor: CurrentActor, user: CurrentUser) -> schemas.Me:
    """Your account, your organization and, if linked, the analyst you are."""
    return await auth_service.me(session, actor, user)
