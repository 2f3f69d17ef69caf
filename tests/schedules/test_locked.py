"""`is_locked`: an assignment schedule generation must keep as it is. It is written like
any other field of an assignment, by one create, a patch or a bulk item."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import OutboxEvent
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import Tenant, make_assignment

URL = "/api/schedules"
DAY = date(2030, 3, 4)


def booking(tenant: Tenant, analyst: int = 0, day: date = DAY, **extra: Any) -> dict[str, Any]:
    return {
        "analyst_id": tenant.analysts[analyst].id,
        "shift_type_id": tenant.shift_types[0].id,
        "date": str(day),
    } | extra


async def test_assignments_are_unlocked_unless_locked_on_creation(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    plain = await client.post(URL, json=booking(tenant), headers=tenant.manager)
    assert plain.status_code == 201, plain.text
    assert plain.json()["is_locked"] is False
    locked = await client.post(
        URL, json=booking(tenant, analyst=1, is_locked=True), headers=tenant.manager
    )
    assert locked.status_code == 201, locked.text
    assert locked.json()["is_locked"] is True
    read = await client.get(f"{URL}/{locked.json()['id']}", headers=tenant.viewer)
    assert read.json()["is_locked"] is True
    listed = await client.get(
        URL, params={"start": str(DAY), "end": str(DAY)}, headers=tenant.analyst
    )
    assert {a["id"]: a["is_locked"] for a in listed.json()["items"]} == {
        plain.json()["id"]: False,
        locked.json()["id"]: True,
    }


async def test_locking_and_unlocking_is_a_versioned_change_with_its_event(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    assignment = await make_assignment(session, tenant.analysts[0], tenant.shift_types[0], DAY)
    await session.commit()
    url = f"{URL}/{assignment.id}"
    locked = await client.patch(url, json={"is_locked": True, "version": 1}, headers=tenant.manager)
    assert locked.status_code == 200, locked.text
    assert (locked.json()["is_locked"], locked.json()["version"]) == (True, 2)
    renoted = await client.patch(url, json={"note": "keep", "version": 2}, headers=tenant.manager)
    assert (renoted.json()["is_locked"], renoted.json()["note"]) == (True, "keep")
    unlocked = await client.patch(
        url, json={"is_locked": False}, headers=tenant.admin | {"If-Match": '"3"'}
    )
    assert (unlocked.json()["is_locked"], unlocked.json()["version"]) == (False, 4)
    async with runtime.session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == "schedule.updated")
            .order_by(OutboxEvent.id)
        )
        changes = [row.payload["changes"] for row in rows]
    assert [c.get("is_locked") for c in changes] == [
        {"old": False, "new": True},
        None,
        {"old": True, "new": False},
    ]


async def test_bulk_items_carry_the_lock_and_a_replacement_sets_it_afresh(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    kept = await make_assignment(session, tenant.analysts[2], tenant.shift_types[0], DAY)
    await session.commit()
    payload = {
        "items": [
            booking(tenant, analyst=0, is_locked=True),
            booking(tenant, analyst=1),
            {
                "id": kept.id,
                "version": 1,
                **booking(tenant, analyst=2, is_locked=True),
            },
        ]
    }
    response = await client.post(f"{URL}/bulk", json=payload, headers=tenant.manager)
    assert response.status_code == 200, response.text
    assert [a["is_locked"] for a in response.json()["created"]] == [True, False]
    assert [a["is_locked"] for a in response.json()["updated"]] == [True]
    # A replacement is the whole assignment: left out, the lock goes back to false.
    replaced = await client.post(
        f"{URL}/bulk",
        json={"items": [{"id": kept.id, "version": 2, **booking(tenant, analyst=2)}]},
        headers=tenant.manager,
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["updated"][0]["is_locked"] is False


@pytest.mark.parametrize("value", [None, "maybe", 2, []])
async def test_a_lock_that_is_not_a_boolean_is_422(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, value: Any
) -> None:
    created = await client.post(URL, json=booking(tenant, is_locked=value), headers=tenant.manager)
    assert [e["pointer"] for e in problem(created, 422)["errors"]] == ["#/is_locked"]
    bulk = await client.post(
        f"{URL}/bulk", json={"items": [booking(tenant, is_locked=value)]}, headers=tenant.manager
    )
    assert [e["pointer"] for e in problem(bulk, 422)["errors"]] == ["#/items/0/is_locked"]
    assignment = await make_assignment(session, tenant.analysts[1], tenant.shift_types[0], DAY)
    await session.commit()
    patched = await client.patch(
        f"{URL}/{assignment.id}", json={"is_locked": value, "version": 1}, headers=tenant.manager
    )
    assert [e["pointer"] for e in problem(patched, 422)["errors"]] == ["#/is_locked"]


async def test_only_managers_lock_and_only_their_organizations_assignments(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    assignment = await make_assignment(session, tenant.analysts[0], tenant.shift_types[0], DAY)
    await session.commit()
    url = f"{URL}/{assignment.id}"
    body = {"is_locked": True, "version": 1}
    for headers in (tenant.analyst, tenant.viewer):
        problem(await client.patch(url, json=body, headers=headers), 403)
    problem(await client.patch(url, json=body, headers=other_tenant.manager), 404)
    unchanged = (await client.get(url, headers=tenant.viewer)).json()
    assert (unchanged["is_locked"], unchanged["version"]) == (False, 1)
