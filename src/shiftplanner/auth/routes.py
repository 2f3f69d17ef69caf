from __future__ import annotations

from fastapi import APIRouter, status

from shiftplanner.auth import schemas
from shiftplanner.auth import service as auth_service
from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.security import schemas as security_schemas
from shiftplanner.security import service as security_service
from shiftplanner.security.dependencies import (
    ClientAddress,
    CurrentActor,
    CurrentClaims,
    CurrentUser,
)

router = APIRouter(prefix="/api/auth", tags=["auth"])

UNAUTHORIZED = problems({401: "Wrong credentials, or an invalid or expired token"})


@router.post(
    "/login",
    responses={
        **UNAUTHORIZED,
        **problems(
            {
                429: "Too many failed sign-ins for the email from this address, for the email, "
                "or from this address",
                503: "Too many sign-ins being checked at once",
            }
        ),
    },
)
async def login(
    data: schemas.LoginRequest, session: SessionDep, runtime: RuntimeDep, client_ip: ClientAddress
) -> schemas.TokenPair:
    """Exchange email and password for an access token (send it as `Authorization: Bearer`)
    and a refresh token (exchange it at `/api/auth/refresh` when the access token expires).

    Failed sign-ins are throttled (settings): 5 failures of an email from one address
    within 15 minutes lock that address out of it until 15 minutes pass without one;
    beyond 20 failures of an email from anywhere, each further attempt waits 1 s, 2 s, 4 s
    ... (not from an address the account signed in from in the last 30 days); 100
    failures from one address lock it out. Unknown emails are counted alike."""
    return await auth_service.login(
        session,
        runtime.passwords,
        runtime.tokens,
        runtime.login_throttle,
        data,
        client_ip=client_ip,
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


@router.get("/rate-limit", responses=UNAUTHORIZED)
async def my_rate_limit(
    session: SessionDep, runtime: RuntimeDep, actor: CurrentActor
) -> security_schemas.RateLimitStatus:
    """What is left of your own rate-limit quotas (or your API key's), per policy. Never
    counted against them and never refused for them."""
    return await security_service.own_rate_limit_status(session, runtime, actor)
