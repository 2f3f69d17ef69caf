"""Who is calling: the bearer token's user, loaded fresh on every request (a deactivated
user or a changed role takes effect at once), and the role each route requires."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.errors import Forbidden, Unauthorized
from shiftplanner.models import Role, User
from shiftplanner.security.actor import Actor
from shiftplanner.security.tokens import TokenKind

bearer_scheme = HTTPBearer(auto_error=False, description="An access token from /api/auth/login.")


async def get_current_user(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send an access token as `Authorization: Bearer <token>`.")
    claims = runtime.tokens.decode(credentials.credentials, expected=TokenKind.ACCESS)
    user = await session.get(User, claims.user_id)
    if user is None or not user.is_active or user.org_id != claims.org_id:
        raise Unauthorized("The account behind this token no longer exists or is disabled.")
    request.state.user_id = user.id  # for the access log line
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_actor(user: CurrentUser) -> Actor:
    return Actor(
        org_id=user.org_id, role=user.role, user_id=user.id, is_superuser=user.is_superuser
    )


def require_role(*roles: Role) -> Callable[[Actor], Actor]:
    allowed = frozenset(roles)
    names = ", ".join(sorted(role.value for role in allowed))

    def check(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
        if actor.role not in allowed:
            raise Forbidden(f"This needs one of the roles: {names}.")
        return actor

    return check


def require_superuser(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    if not actor.is_superuser:
        raise Forbidden("Only the platform operator can do this.")
    return actor


# Any signed-in user of the organization: every role may read.
CurrentActor = Annotated[Actor, Depends(get_actor)]
ManagerActor = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.MANAGER))]
AdminActor = Annotated[Actor, Depends(require_role(Role.ADMIN))]
SuperuserActor = Annotated[Actor, Depends(require_superuser)]
# Anyone who works shifts or runs them: every role but viewer (e.g. to request an absence).
StaffActor = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.MANAGER, Role.ANALYST))]
