"""Users: the accounts people sign in with, one role each within one organization."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import Conflict, Forbidden, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import apply_update, emit_resource_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.time import utcnow
from shiftplanner.models import Organization, Role, User
from shiftplanner.security import sessions
from shiftplanner.security.actor import Actor
from shiftplanner.security.api_keys import service as api_key_service
from shiftplanner.security.passwords import Passwords
from shiftplanner.users import schemas
from shiftplanner.users.repository import UserRepository


async def list_users(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    role: Role | None = None,
    is_active: bool | None = None,
) -> tuple[list[User], str | None]:
    repository = UserRepository(session)
    return await repository.page(
        repository.filtered(actor.org_id, role=role, is_active=is_active), params
    )


async def get_user(session: AsyncSession, actor: Actor, user_id: int) -> User:
    user = await find_user(session, actor, user_id)
    if user is None:
        raise NotFound.resource("User", user_id)
    return user


async def find_user(session: AsyncSession, actor: Actor, user_id: int) -> User | None:
    return await UserRepository(session).get(actor.org_id, user_id)


async def get_many(session: AsyncSession, actor: Actor, ids: Iterable[int]) -> dict[int, User]:
    """The organization's users among `ids`, by id (those of other organizations left out)."""
    return await UserRepository(session).get_many(actor.org_id, ids)


async def active_with_role(session: AsyncSession, actor: Actor, role: Role) -> list[User]:
    """The organization's active users of one role, by id (alert escalation pages a role)."""
    return await UserRepository(session).active_with_role(actor.org_id, role)


async def count_active_admins(session: AsyncSession, actor: Actor) -> int:
    """How many active admins the caller's organization has."""
    return await UserRepository(session).count_active_admins(actor.org_id)


def _check_password(passwords: Passwords, password: str) -> None:
    weakness = passwords.weakness(password)
    if weakness is not None:
        raise InvalidInput(weakness, pointer="#/password")


async def create_user(
    session: AsyncSession, actor: Actor, passwords: Passwords, data: schemas.UserCreate
) -> User:
    """Create an account in the caller's organization, or (platform operator) in the one
    named by `org_id`."""
    org_id = data.org_id or actor.org_id
    if org_id != actor.org_id:
        if not actor.is_superuser:
            raise Forbidden("Only the platform operator can create users in another organization.")
        if await session.get(Organization, org_id) is None:
            raise InvalidInput(f"Organization {org_id} does not exist.", pointer="#/org_id")
    password = data.password.get_secret_value()
    _check_password(passwords, password)
    repository = UserRepository(session)
    if await repository.get_by_email(data.email) is not None:
        raise Conflict(f"An account with the email {data.email} already exists.")
    user = await repository.add(
        User(
            org_id=org_id,
            email=data.email,
            full_name=data.full_name,
            role=data.role,
            password_hash=await passwords.hash(password),
        )
    )
    emit_resource_event(
        session, EventType.USER_CREATED, user, schemas.User, actor_user_id=actor.user_id
    )
    return user


def _guard_operator(actor: Actor, user: User) -> None:
    """The platform operator's account reaches every tenant, so only an operator changes
    it: an admin of its organization (or any API key) changing its password, role or
    status would become the operator."""
    if user.is_superuser and (not actor.is_superuser or actor.api_key_id is not None):
        raise Forbidden("Only a platform operator can change a platform operator's account.")


async def _keep_an_admin(repository: UserRepository, user: User, *, leaving: bool) -> None:
    if (
        leaving
        and user.role is Role.ADMIN
        and user.is_active
        and await repository.count_active_admins(user.org_id) <= 1
    ):
        raise Conflict("This is the organization's last active admin; appoint another admin first.")


async def update_user(
    session: AsyncSession,
    actor: Actor,
    passwords: Passwords,
    user_id: int,
    data: schemas.UserUpdate,
) -> User:
    repository = UserRepository(session)
    user = await get_user(session, actor, user_id)
    _guard_operator(actor, user)
    values: dict[str, Any] = data.changes()
    password = values.pop("password", None)
    demoted = "role" in values and values["role"] is not Role.ADMIN
    await _keep_an_admin(repository, user, leaving=demoted or values.get("is_active") is False)
    changes = await apply_update(session, user, values, schemas.User)
    if password is not None:
        _check_password(passwords, password.get_secret_value())
        user.password_hash = await passwords.hash(password.get_secret_value())
        await session.flush()
        changes["password"] = {"changed": True}  # never the value, old or new
        await sessions.revoke_user_sessions(session, user.id, reason="password_changed")
    if changes.get("is_active", {}).get("new") is False:
        await sessions.revoke_user_sessions(session, user.id, reason="account_disabled")
        await api_key_service.revoke_created_by(
            session, actor, user.id, reason=api_key_service.CREATOR_DISABLED
        )
    if changes.get("role", {}).get("old") == Role.ADMIN.value:
        await api_key_service.revoke_created_by(
            session, actor, user.id, reason=api_key_service.CREATOR_DEMOTED
        )
    if changes:
        emit_resource_event(
            session,
            EventType.USER_UPDATED,
            user,
            schemas.User,
            actor_user_id=actor.user_id,
            changes=changes,
        )
    return user


async def delete_user(session: AsyncSession, actor: Actor, user_id: int) -> None:
    repository = UserRepository(session)
    user = await get_user(session, actor, user_id)
    _guard_operator(actor, user)
    if user.id == actor.user_id:
        raise Conflict("You cannot delete your own account.")
    await _keep_an_admin(repository, user, leaving=True)
    await api_key_service.revoke_created_by(
        session, actor, user.id, reason=api_key_service.CREATOR_DELETED
    )
    emit_resource_event(
        session, EventType.USER_DELETED, user, schemas.User, actor_user_id=actor.user_id
    )
    await repository.delete(user)


async def authenticate(
    session: AsyncSession, passwords: Passwords, email: str, password: str
) -> User | None:
    """The active user with this email and password, or None. Takes as long for an unknown
    email as for a wrong password, and upgrades the hash when the cost settings changed."""
    user = await UserRepository(session).get_by_email(email)
    if user is None:
        await passwords.spend_verify_time(password)
        return None
    if not await passwords.verify(user.password_hash, password) or not user.is_active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash(password)
    user.last_login_at = utcnow()
    await session.flush()
    return user


async def find_by_email(session: AsyncSession, email: str) -> User | None:
    """The account with this email, in any organization and any state."""
    return await UserRepository(session).get_by_email(email)


async def get_active(session: AsyncSession, user_id: int) -> User | None:
    """The user behind a token, if the account still exists and is active."""
    user = await session.get(User, user_id)
    return user if user is not None and user.is_active else None


async def organizations_with_operator(session: AsyncSession) -> set[int]:
    """The organizations that have an active platform operator (the service-wide alert
    rules go only there)."""
    return await UserRepository(session).organizations_with_operator()


async def bootstrap_superuser(
    session: AsyncSession, passwords: Passwords, org: Organization, *, email: str, password: str
) -> User | None:
    """The first account of a new installation: an admin of `org` who is also the
    platform operator. Does nothing (returns None) once any user exists."""
    repository = UserRepository(session)
    if await repository.any_user():
        return None
    user = await repository.add(
        User(
            org_id=org.id,
            email=email.lower(),
            full_name="Administrator",
            role=Role.ADMIN,
            is_superuser=True,
            password_hash=await passwords.hash(password),
        )
    )
    emit_resource_event(session, EventType.USER_CREATED, user, schemas.User, actor_user_id=None)
    return user
