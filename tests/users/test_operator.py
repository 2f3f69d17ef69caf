"""The platform operator's account reaches every tenant: nobody but an operator changes it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Role
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import PASSWORD, Tenant, bearer, make_user

URL = "/api/users"
TAKEOVERS: list[dict[str, Any]] = [
    {"password": "an attacker's chosen passphrase"},
    {"role": "viewer"},
    {"is_active": False},
    {"full_name": "Renamed"},
]


async def second_admin(session: AsyncSession, runtime: Runtime, tenant: Tenant) -> dict[str, str]:
    """An admin of the operator's own organization who is not an operator."""
    admin = await make_user(session, runtime, tenant.org, Role.ADMIN)
    await session.commit()
    return await bearer(session, runtime, admin)


async def admin_key(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    created = await client.post(
        "/api/api-keys", json={"name": "automation", "role": "admin"}, headers=headers
    )
    assert created.status_code == 201, created.text
    return {"X-API-Key": created.json()["key"]}


async def assert_operator_untouched(client: httpx.AsyncClient, tenant: Tenant) -> None:
    operator = tenant.users[Role.ADMIN]
    signed_in = await client.post(
        "/api/auth/login", json={"email": operator.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    me = (await client.get("/api/auth/me", headers=tenant.admin)).json()["user"]
    assert (me["role"], me["is_active"], me["full_name"], me["is_superuser"]) == (
        "admin",
        True,
        operator.full_name,
        True,
    )


@pytest.mark.parametrize("change", TAKEOVERS)
async def test_an_admin_of_the_operators_organization_cannot_take_the_operator_over(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    change: dict[str, Any],
) -> None:
    headers = await second_admin(session, runtime, tenant)
    operator = f"{URL}/{tenant.users[Role.ADMIN].id}"
    problem(await client.patch(operator, json=change, headers=headers), 403)
    problem(await client.delete(operator, headers=headers), 403)
    await assert_operator_untouched(client, tenant)


@pytest.mark.parametrize("change", TAKEOVERS)
async def test_an_api_key_never_acts_on_the_operator(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    change: dict[str, Any],
) -> None:
    # Even a key the operator made themself.
    key = await admin_key(client, tenant.admin)
    operator = f"{URL}/{tenant.users[Role.ADMIN].id}"
    problem(await client.patch(operator, json=change, headers=key), 403)
    problem(await client.delete(operator, headers=key), 403)
    await assert_operator_untouched(client, tenant)


async def test_operators_change_their_own_and_each_others_accounts(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    operator = tenant.users[Role.ADMIN]
    renamed = await client.patch(
        f"{URL}/{operator.id}", json={"full_name": "Operator"}, headers=tenant.admin
    )
    assert renamed.status_code == 200, renamed.text
    colleague = await make_user(session, runtime, tenant.org, Role.ADMIN, superuser=True)
    await session.commit()
    headers = await bearer(session, runtime, colleague)
    reset = await client.patch(
        f"{URL}/{operator.id}", json={"password": "a fresh operator passphrase"}, headers=headers
    )
    assert reset.status_code == 200, reset.text
    signed_in = await client.post(
        "/api/auth/login",
        json={"email": operator.email, "password": "a fresh operator passphrase"},
    )
    assert signed_in.status_code == 200, signed_in.text


async def test_an_admin_still_manages_ordinary_accounts_beside_the_operator(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    headers = await second_admin(session, runtime, tenant)
    viewer = f"{URL}/{tenant.users[Role.VIEWER].id}"
    changed = await client.patch(viewer, json={"role": "manager"}, headers=headers)
    assert changed.status_code == 200, changed.text
