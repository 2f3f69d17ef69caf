from __future__ import annotations

from fastapi import APIRouter, status

from shiftplanner.auth import schemas
from shiftplanner.auth import service as auth_service
from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.security.dependencies import CurrentActor, CurrentClaims, CurrentUser

router = APIRouter(prefix="/api/auth", tags=["auth"])

UNAUTHORIZED = problems({401: "Wrong credentials, or an invalid or expired token"})


@router.post(
    "/login",
    responses={
        **UNAUTHORIZED,
        **problems({429: "Too many failed logins for the account, or from this address"}),
    },
)
async def login(
    data: schemas.LoginRequest, session: SessionDep, runtime: RuntimeDep
) -> schemas.TokenPair:
    """Exchange email and password for an access token (send it as `Authorization: Bearer`)
    and a refresh token (exchange it at `/api/auth/refresh` when the access token expires).
    After 5 failed logins of an account within 15 minutes (settings), further attempts for
    it are refused with 429 until the window passes."""
    return await auth_service.login(
        session, runtime.passwords, runtime.tokens, runtime.lockout, data
    )


@router.post("/refresh", responses=UNAUTHORIZED)
async def refresh(
    data: schemas.RefreshRequest, session: SessionDep, runtime: RuntimeDep
) -> schemas.TokenPair:
    """A new token pair for a refresh token. Each refresh token works once: presenting a
    used one again ends the whole sign-in (it must have been stolen)."""
    return await auth_service.refresh(session, runtime.tokens, data)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHORIZED)
async def logout(session: SessionDep, claims: CurrentClaims) -> None:
    """End this sign-in: its access and refresh tokens stop working at once."""
    await auth_service.logout(session, claims)


@router.get("/me", responses=UNAUTHORIZED)
async def me(session: SessionDep, actor: CurrentActor, user: CurrentUser) -> schemas.Me:
    """Your account, your organization and, if linked, the analyst you are."""
    return await auth_service.me(session, actor, user)
