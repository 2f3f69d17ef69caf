"""The four-eyes rule: nobody decides their own absence or shift request (the analyst
their account is linked to), unless the organization switched the rule off, or they are
its last active admin and nobody else could."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Role
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import Tenant, make_analyst, make_user

DAY = date(2030, 5, 6)


async def linked(session: AsyncSession, tenant: Tenant, role: Role) -> int:
    """An analyst the user of `role` signs in as."""
    analyst = await make_analyst(session, tenant.team, user=tenant.users[role])
    await session.commit()
    return analyst.id


async def own_absence(client: httpx.AsyncClient, headers: dict[str, str], offset: int = 0) -> str:
    day = date.fromordinal(DAY.toordinal() + offset).isoformat()
    body = {"start_date": day, "end_date": day, "kind": "vacation"}
    response = await client.post("/api/absences", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return f"/api/absences/{response.json()['id']}"


async def own_shift_request(
    client: httpx.AsyncClient, headers: dict[str, str], offset: int = 0
) -> str:
    day = date.fromordinal(DAY.toordinal() + offset).isoformat()
    response = await client.post(
        "/api/shift-requests", json={"kind": "off", "date": day}, headers=headers
    )
    assert response.status_code == 201, response.text
    return f"/api/shift-requests/{response.json()['id']}"


OWN = {"absence": own_absence, "shift request": own_shift_request}


@pytest.mark.parametrize("what", OWN)
async def test_a_manager_cannot_decide_their_own_request(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, what: str
) -> None:
    await linked(session, tenant, Role.MANAGER)
    for action in ("approve", "reject"):
        url = await OWN[what](client, tenant.manager, offset=len(action))
        body = problem(await client.post(f"{url}/{action}", headers=tenant.manager), 403)
        assert "own" in body["detail"]
        assert (await client.get(url, headers=tenant.manager)).json()["status"] == "requested"
        # Another manager or admin decides it.
        decided = await client.post(f"{url}/{action}", headers=tenant.admin)
        assert decided.status_code == 200, decided.text


@pytest.mark.parametrize("what", OWN)
async def test_the_organization_may_switch_the_four_eyes_rule_off(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, what: str
) -> None:
    await linked(session, tenant, Role.MANAGER)
    org_url = f"/api/organizations/{tenant.org.id}"
    assert (await client.get(org_url, headers=tenant.viewer)).json()["four_eyes"] is True
    problem(await client.patch(org_url, json={"four_eyes": False}, headers=tenant.manager), 403)
    switched = await client.patch(org_url, json={"four_eyes": False}, headers=tenant.admin)
    assert switched.status_code == 200, switched.text
    assert switched.json()["four_eyes"] is False
    url = await OWN[what](client, tenant.manager)
    approved = await client.post(f"{url}/approve", headers=tenant.manager)
    assert approved.status_code == 200, approved.text


@pytest.mark.parametrize("what", OWN)
async def test_only_the_last_active_admin_decides_their_own_request(
    client: httpx.AsyncClient,
    tenant: Tenant,
    session: AsyncSession,
    runtime: Runtime,
    what: str,
) -> None:
    await linked(session, tenant, Role.ADMIN)
    alone = await OWN[what](client, tenant.admin)
    approved = await client.post(f"{alone}/approve", headers=tenant.admin)
    assert approved.status_code == 200, approved.text  # nobody else could
    await make_user(session, runtime, tenant.org, Role.ADMIN)
    await session.commit()
    url = await OWN[what](client, tenant.admin, offset=1)
    body: dict[str, Any] = problem(await client.post(f"{url}/approve", headers=tenant.admin), 403)
    assert "own" in body["detail"]
    # A disabled admin is no second pair of eyes.
    await make_user(session, runtime, tenant.org, Role.ADMIN, active=False)
    await session.commit()
    problem(await client.post(f"{url}/reject", headers=tenant.admin), 403)


async def test_deciding_someone_elses_request_is_untouched_by_the_rule(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    await linked(session, tenant, Role.MANAGER)
    theirs = await own_absence(client, tenant.analyst)
    approved = await client.post(f"{theirs}/approve", headers=tenant.manager)
    assert approved.status_code == 200, approved.text
