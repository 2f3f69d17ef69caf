"""Who is calling: a user with a bearer access token (loaded fresh on every request, so a
disabled account, a changed role or a logout takes effect at once) or a machine client
with an API key; and the role each route requires."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.errors import Forbidden, Unauthorized
from shiftplanner.models import Role, User
from shiftplanner.security import credentials, sessions
from shiftplanner.security.actor import Actor
from shiftplanner.security.api_keys import service as api_key_service
from shiftplanner.security.api_keys.schemas import ApiKeyScope
from shiftplanner.security.context import RequestContext
from shiftplanner.security.tokens import TokenClaims, TokenKind

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An access token from /api/auth/login, or an API key (`spk_...`).",
)
ApiKeyHeader = Annotated[
    str | None,
    Header(alias="X-API-Key", max_length=256, description="An API key, instead of a bearer token."),
]


def _bind(request: Request, actor: Actor) -> Actor:
    context = getattr(request.state, "context", None)
    if isinstance(context, RequestContext):
        context.user_id, context.api_key_id, context.org_id = (
            actor.user_id,
            actor.api_key_id,
            actor.org_id,
        )
    return actor


async def get_actor(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: ApiKeyHeader = None,
) -> Actor:
    token = credentials.presented(f"Bearer {bearer.credentials}" if bearer else None, api_key)
    if token is None:
        raise Unauthorized(
            "Send an access token as `Authorization: Bearer <token>`, or an API key."
        )
    if credentials.split_api_key(token) is not None:
        live = await api_key_service.authenticate(session, token)
        if live is None:
            raise Unauthorized("The API key is unknown, revoked or expired.")
        key, key_data_version = live
        runtime.verified_keys.remember(token)
        actor = Actor(
            org_id=key.org_id,
            role=key.role,
            api_key_id=key.id,
            scopes=frozenset(key.scopes),
            data_version=key_data_version,
        )
        return _bind(request, actor)
    claims = credentials.remembered(
        request.state, credentials.DECODED_ACCESS_TOKEN, token, TokenClaims
    ) or runtime.tokens.decode(token, expected=TokenKind.ACCESS)
    assert claims.family_id is not None
    principal = credentials.remembered(
        request.state, credentials.PRINCIPAL, token, sessions.Principal
    ) or await runtime.principals.read(claims.family_id, claims.user_id)
    if principal is None or not principal.is_active or principal.org_id != claims.org_id:
        raise Unauthorized(
            "This sign-in has ended (logged out, the account disabled or deleted, or its "
            "token stolen); sign in again."
        )
    request.state.claims = claims
    actor = Actor(
        org_id=principal.org_id,
        role=principal.role,
        user_id=claims.user_id,
        is_superuser=principal.is_superuser,
        data_version=principal.data_version,
    )
    return _bind(request, actor)


CurrentActor = Annotated[Actor, Depends(get_actor)]


async def get_client_address(request: Request) -> str | None:
    """The client's address as the request middleware judged it (trusted proxies)."""
    context = getattr(request.state, "context", None)
    return context.client_ip if isinstance(context, RequestContext) else None


ClientAddress = Annotated[str | None, Depends(get_client_address)]


async def get_current_user(actor: CurrentActor, session: SessionDep) -> User:
    """The signed-in user (loaded for the few routes that need the account itself); an
    API key has none."""
    if actor.user_id is None:
        raise Forbidden("This needs a user's sign-in; an API key cannot do it.")
    user = await session.get(User, actor.user_id)
    if user is None:
        raise Unauthorized("The account behind this token no longer exists.")
    return user


async def get_claims(
    request: Request, user: Annotated[User, Depends(get_current_user)]
) -> TokenClaims:
    claims: TokenClaims = request.state.claims
    return claims


CurrentUser = Annotated[User, Depends(get_current_user)]
CurrentClaims = Annotated[TokenClaims, Depends(get_claims)]


def require_role(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    allowed = frozenset(roles)
    names = ", ".join(sorted(role.value for role in allowed))

    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in allowed:
            raise Forbidden(f"This needs one of the roles: {names}.")
        return actor

    return check


async def require_superuser(actor: CurrentActor) -> Actor:
    if not actor.is_superuser:
        raise Forbidden("Only the platform operator can do this.")
    return actor


ManagerActor = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.MANAGER))]
AdminActor = Annotated[Actor, Depends(require_role(Role.ADMIN))]


async def require_signed_in_admin(actor: AdminActor) -> Actor:
    """An admin signed in as a person: what an API key may not do (mint more keys, whose
    power would then answer to no person)."""
    if actor.user_id is None:
        raise Forbidden("This needs an admin's sign-in; an API key cannot do it.")
    return actor


SignedInAdmin = Annotated[Actor, Depends(require_signed_in_admin)]
SuperuserActor = Annotated[Actor, Depends(require_superuser)]


async def require_operator(actor: CurrentActor) -> Actor:
    """The platform operator, or an API key the operator gave the `monitoring` scope:
    who may read the service's own health and measurements, which span every tenant."""
    if not actor.is_superuser and ApiKeyScope.MONITORING not in actor.scopes:
        raise Forbidden(
            "Only the platform operator, or an API key with the `monitoring` scope, can read this."
        )
    return actor


OperatorActor = Annotated[Actor, Depends(require_operator)]
# Anyone who works shifts or runs them: every role but viewer (e.g. to request an absence).
StaffActor = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.MANAGER, Role.ANALYST))]
