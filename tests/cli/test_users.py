"""`shiftplanner users reset-password | disable | enable`, in a process of its own, as an
operator who lost the admin password runs them against the app's database; the app then
answers as they said, and the audit trail records each change."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AuditLog, Role
from tests.factories import PASSWORD, Tenant
from tests.subprocesses import run

NEW_PASSWORD = "a brand new passphrase 42"


async def cli(database_url: str, tmp_path: Path, *args: str, stdin: str | None = None) -> str:
    """The command's output; fails the test unless it exits 0."""
    code, output = await cli_result(database_url, tmp_path, *args, stdin=stdin)
    assert code == 0, output
    return output


async def cli_result(
    database_url: str, tmp_path: Path, *args: str, stdin: str | None = None
) -> tuple[int, str]:
    # A thread: the app under test keeps answering while the command runs.
    result = await asyncio.to_thread(run, database_url, tmp_path, *args, stdin=stdin)
    return result.returncode, result.stdout + result.stderr


async def login(client: httpx.AsyncClient, email: str, password: str) -> int:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    return response.status_code


async def user_updates(session: AsyncSession, user_id: int) -> list[AuditLog]:
    entries = await session.scalars(
        select(AuditLog)
        .where(AuditLog.action == "user.updated", AuditLog.resource_id == user_id)
        .order_by(AuditLog.id)
    )
    return list(entries)


async def test_reset_password_generates_one_that_signs_in_and_ends_old_sign_ins(
    client: httpx.AsyncClient,
    session: AsyncSession,
    tenant: Tenant,
    database_url: str,
    tmp_path: Path,
) -> None:
    admin = tenant.users[Role.ADMIN]  # a superuser: the CLI acts as the platform itself
    assert admin.is_superuser

    output = await cli(database_url, tmp_path, "users", "reset-password", admin.email, "--generate")

    password = output.strip().splitlines()[-1]
    assert await login(client, admin.email, PASSWORD) == 401
    assert await login(client, admin.email, password) == 200
    assert (await client.get("/api/auth/me", headers=tenant.admin)).status_code == 401
    [entry] = await user_updates(session, admin.id)
    assert entry.changes == {"password": {"changed": True}}
    assert entry.org_id == tenant.org.id
    assert password not in str(entry.details) + str(entry.changes)


async def test_reset_password_asks_twice_and_refuses_a_weak_one(
    client: httpx.AsyncClient, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    email = tenant.users[Role.MANAGER].email
    typed = f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"

    output = await cli(database_url, tmp_path, "users", "reset-password", email, stdin=typed)

    assert NEW_PASSWORD not in output
    assert await login(client, email, NEW_PASSWORD) == 200
    weak = "password\npassword\n"
    code, output = await cli_result(
        database_url, tmp_path, "users", "reset-password", email, stdin=weak
    )
    assert code == 1
    assert "common" in output.lower() or "password" in output.lower()
    assert await login(client, email, NEW_PASSWORD) == 200
    code, output = await cli_result(
        database_url, tmp_path, "users", "reset-password", "nobody@example.com", stdin=typed
    )
    assert code == 1
    assert "No account with the email nobody@example.com" in output


async def test_disable_ends_sign_ins_and_enable_lets_the_account_back_in(
    client: httpx.AsyncClient,
    session: AsyncSession,
    tenant: Tenant,
    database_url: str,
    tmp_path: Path,
) -> None:
    manager = tenant.users[Role.MANAGER]

    await cli(database_url, tmp_path, "users", "disable", manager.email)

    assert (await client.get("/api/auth/me", headers=tenant.manager)).status_code == 401
    assert await login(client, manager.email, PASSWORD) == 401
    assert "already disabled" in await cli(
        database_url, tmp_path, "users", "disable", manager.email
    )

    await cli(database_url, tmp_path, "users", "enable", manager.email)

    assert await login(client, manager.email, PASSWORD) == 200
    assert [e.changes for e in await user_updates(session, manager.id)] == [
        {"is_active": {"old": True, "new": False}},
        {"is_active": {"old": False, "new": True}},
    ]


async def test_disable_keeps_the_last_admin(
    client: httpx.AsyncClient, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    admin = tenant.users[Role.ADMIN]
    code, output = await cli_result(database_url, tmp_path, "users", "disable", admin.email)
    assert code == 1
    assert "last active admin" in output
    assert await login(client, admin.email, PASSWORD) == 200
