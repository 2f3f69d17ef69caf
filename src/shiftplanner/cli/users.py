"""What `shiftplanner users ...` do: accounts, for the operator at the server's shell
(the first admin, or one who lost their password).

Whoever runs these has the server's shell and database, so they act as the platform
itself: an admin of the account's organization who is also a superuser. Every change
goes through the users service, so it is audited (`user.updated`) like one made through
the API, and a new password or a disabled account ends the account's sign-ins."""

from __future__ import annotations

import asyncio

import typer
from sqlalchemy import select

from shiftplanner.bootstrap import random_password
from shiftplanner.cli.output import console
from shiftplanner.config import Settings, get_settings
from shiftplanner.db import session_scope
from shiftplanner.errors import NotFound, ShiftPlannerError
from shiftplanner.logging import configure_logging
from shiftplanner.models import Organization, Role, User
from shiftplanner.runtime import Runtime
from shiftplanner.security.actor import Actor
from shiftplanner.users import schemas as user_schemas
from shiftplanner.users import service as user_service


def create(
    *, email: str, org: str, role: Role, full_name: str, superuser: bool, password: str
) -> None:
    settings = get_settings()
    configure_logging(settings)
    try:
        asyncio.run(_create_user(settings, email, org, role, full_name, superuser, password))
    except ShiftPlannerError as error:
        console.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(code=1) from None


async def _create_user(
    settings: Settings,
    email: str,
    slug: str,
    role: Role,
    full_name: str,
    superuser: bool,
    password: str,
) -> None:
    runtime = Runtime.build(settings)
    try:
        async with session_scope(runtime.session_factory) as session:
            org = await session.scalar(select(Organization).where(Organization.slug == slug))
            if org is None:
                console.print(f"[red]No organization with the slug {slug!r}.[/red]")
                raise typer.Exit(code=1)
            data = user_schemas.UserCreate.model_validate(
                {"email": email, "role": role, "full_name": full_name, "password": password}
            )
            user = await user_service.create_user(
                session, Actor.system(org.id), runtime.passwords, data
            )
            user.is_superuser = superuser
        console.print(f"Created {user.email} ({user.role.value}) in {org.name}.")
    finally:
        await runtime.close()


def reset_password(email: str, *, generate: bool) -> None:
    if generate:
        password = random_password()
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    user, _ = _update(email, {"password": password})
    console.print(f"New password set for {user.email}; its sign-ins have ended.")
    if generate:
        # Plain print: the one copy of the password, easy to select, never wrapped.
        console.print(password, markup=False, highlight=False, soft_wrap=True)


def disable(email: str) -> None:
    user, was_active = _update(email, {"is_active": False})
    if not was_active:
        console.print(f"{user.email} was already disabled.")
        return
    console.print(f"Disabled {user.email}; its sign-ins have ended.")


def enable(email: str) -> None:
    user, was_active = _update(email, {"is_active": True})
    console.print(f"{user.email} was already enabled." if was_active else f"Enabled {user.email}.")


def _update(email: str, values: dict[str, object]) -> tuple[User, bool]:
    """The account after the change, and whether it was active before."""
    settings = get_settings()
    configure_logging(settings)
    try:
        data = user_schemas.UserUpdate.model_validate(values)
        return asyncio.run(_update_by_email(settings, email, data))
    except ShiftPlannerError as error:
        console.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(code=1) from None


async def _update_by_email(
    settings: Settings, email: str, data: user_schemas.UserUpdate
) -> tuple[User, bool]:
    runtime = Runtime.build(settings)
    try:
        async with session_scope(runtime.session_factory) as session:
            user = await user_service.find_by_email(session, email)
            if user is None:
                raise NotFound(f"No account with the email {email}.")
            was_active = user.is_active
            # The platform itself: may change any account, a superuser's too.
            actor = Actor(org_id=user.org_id, role=Role.ADMIN, is_superuser=True)
            user = await user_service.update_user(session, actor, runtime.passwords, user.id, data)
        return user, was_active
    finally:
        await runtime.close()
