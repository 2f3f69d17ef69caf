"""What schedule generation needs of a shift type: which shift types may not follow it the
next day (`forbidden_next_ids`), and whether it counts as a night (`is_night`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import OutboxEvent
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import Tenant, make_shift_type, make_team

URL = "/api/shift-types"


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


def new_shift(
    tenant: Tenant, start: str = "15:00", end: str = "23:00", **fields: Any
) -> dict[str, Any]:
    return {
        "team_id": tenant.team.id,
        "name": "LATE",
        "start_time": start,
        "end_time": end,
        **fields,
    }


async def create(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> httpx.Response:
    return await client.post(URL, json=new_shift(tenant, **body), headers=tenant.admin)


async def updates(runtime: Runtime, shift_type_id: int) -> list[dict[str, Any]]:
    async with runtime.session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.event_type == "shift_type.updated",
                OutboxEvent.resource_id == shift_type_id,
            )
            .order_by(OutboxEvent.id)
        )
        return [row.payload["changes"] for row in rows]


@pytest.mark.parametrize(
    ("start", "end", "is_night"),
    [
        ("23:00", "07:00", True),
        ("22:00", "00:30", True),
        ("15:00", "23:00", False),
        ("16:00", "00:00", False),  # ends at midnight, not after it
        ("00:00", "08:00", False),
        ("07:00", "07:30", False),
    ],
)
async def test_a_shift_ending_after_midnight_is_a_night_unless_told(
    client: httpx.AsyncClient, tenant: Tenant, start: str, end: str, is_night: bool
) -> None:
    created = await create(client, tenant, start=start, end=end)
    assert created.status_code == 201, created.text
    assert created.json()["is_night"] is is_night
    assert created.json()["forbidden_next_ids"] == []
    told = await create(client, tenant, start=start, end=end, name="TOLD", is_night=not is_night)
    assert told.json()["is_night"] is not is_night


async def test_forbidden_successors_are_shift_types_of_the_team(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    morning, night = tenant.shift_types
    created = await create(client, tenant, forbidden_next_ids=[night.id, morning.id, night.id])
    assert created.status_code == 201, created.text
    late = created.json()
    assert late["forbidden_next_ids"] == sorted([morning.id, night.id])
    read = await client.get(f"{URL}/{late['id']}", headers=tenant.viewer)
    assert read.json()["forbidden_next_ids"] == late["forbidden_next_ids"]
    # A night may forbid itself the next day too, and a morning after it.
    url = f"{URL}/{night.id}"
    changed = await client.patch(
        url,
        json={"forbidden_next_ids": [night.id, morning.id], "is_night": True},
        headers=tenant.admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["forbidden_next_ids"] == sorted([morning.id, night.id])
    assert changed.json()["is_night"] is True
    [change] = await updates(runtime, night.id)
    assert change == {
        "forbidden_next_ids": {"old": [], "new": sorted([morning.id, night.id])},
        "is_night": {"old": False, "new": True},
    }
    emptied = await client.patch(url, json={"forbidden_next_ids": []}, headers=tenant.admin)
    assert emptied.json()["forbidden_next_ids"] == []
    nulled = await client.patch(url, json={"forbidden_next_ids": None}, headers=tenant.admin)
    assert pointers(problem(nulled, 422)) == ["#/forbidden_next_ids"]
    nulled = await client.patch(url, json={"is_night": None}, headers=tenant.admin)
    assert pointers(problem(nulled, 422)) == ["#/is_night"]


async def test_other_teams_or_organizations_shift_types_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    team = await make_team(session, tenant.org)
    elsewhere = await make_shift_type(session, team, name="DAY")
    await session.commit()
    morning = tenant.shift_types[0].id
    for foreign in (elsewhere.id, other_tenant.shift_types[0].id, 999_999):
        refused = problem(await create(client, tenant, forbidden_next_ids=[morning, foreign]), 422)
        assert pointers(refused) == ["#/forbidden_next_ids"]
        patched = await client.patch(
            f"{URL}/{morning}", json={"forbidden_next_ids": [foreign]}, headers=tenant.admin
        )
        assert pointers(problem(patched, 422)) == ["#/forbidden_next_ids"]
    for malformed in ([0], ["night"], list(range(1, 52))):
        refused = problem(await create(client, tenant, forbidden_next_ids=malformed), 422)
        assert any(p.startswith("#/forbidden_next_ids") for p in pointers(refused)), refused
    listed = await client.get(URL, params={"team_id": tenant.team.id}, headers=tenant.admin)
    assert [s["forbidden_next_ids"] for s in listed.json()["items"]] == [[], []]


async def test_moving_to_another_team_needs_successors_of_that_team(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    morning, night = tenant.shift_types
    team = await make_team(session, tenant.org)
    elsewhere = await make_shift_type(session, team, name="DAY")
    await session.commit()
    late = (await create(client, tenant, forbidden_next_ids=[morning.id])).json()
    to_morning = {"forbidden_next_ids": [late["id"]]}
    assert (
        await client.patch(f"{URL}/{night.id}", json=to_morning, headers=tenant.admin)
    ).status_code == 200
    url = f"{URL}/{late['id']}"
    keeps_old = await client.patch(url, json={"team_id": team.id}, headers=tenant.admin)
    assert pointers(problem(keeps_old, 422)) == ["#/forbidden_next_ids"]
    moved = await client.patch(
        url,
        json={"team_id": team.id, "forbidden_next_ids": [elsewhere.id, late["id"]]},
        headers=tenant.admin,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["forbidden_next_ids"] == sorted([elsewhere.id, late["id"]])
    # The old team's night no longer names a shift type that left the team.
    night_now = await client.get(f"{URL}/{night.id}", headers=tenant.admin)
    assert night_now.json()["forbidden_next_ids"] == []
    assert (await updates(runtime, night.id))[-1] == {
        "forbidden_next_ids": {"old": [late["id"]], "new": []}
    }


async def test_deleting_a_shift_type_takes_it_off_the_teams_successor_lists(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    morning, night = tenant.shift_types
    late = (await create(client, tenant)).json()
    for shift_type_id, forbidden in (
        (night.id, [late["id"], morning.id]),
        (morning.id, [late["id"]]),
    ):
        response = await client.patch(
            f"{URL}/{shift_type_id}", json={"forbidden_next_ids": forbidden}, headers=tenant.admin
        )
        assert response.status_code == 200, response.text
    assert (await client.delete(f"{URL}/{late['id']}", headers=tenant.admin)).status_code == 204
    listed = await client.get(URL, headers=tenant.viewer)
    assert {s["id"]: s["forbidden_next_ids"] for s in listed.json()["items"]} == {
        morning.id: [],
        night.id: [morning.id],
    }
    assert (await updates(runtime, night.id))[-1] == {
        "forbidden_next_ids": {"old": sorted([late["id"], morning.id]), "new": [morning.id]}
    }


async def test_only_admins_set_successors_and_only_in_their_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    morning = tenant.shift_types[0].id
    url = f"{URL}/{morning}"
    body = {"forbidden_next_ids": [morning], "is_night": True}
    for headers in (tenant.manager, tenant.analyst, tenant.viewer):
        problem(await client.patch(url, json=body, headers=headers), 403)
    problem(await client.patch(url, json=body, headers=other_tenant.admin), 404)
    unchanged = (await client.get(url, headers=tenant.viewer)).json()
    assert (unchanged["forbidden_next_ids"], unchanged["is_night"]) == ([], False)
