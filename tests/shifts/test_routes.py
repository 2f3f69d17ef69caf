from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Role
from tests.assertions import problem
from tests.factories import Tenant, make_assignment, make_shift_type, make_team

URL = "/api/shift-types"


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


def new_shift(team_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "name": "LATE",
        "start_time": "15:00",
        "end_time": "23:00",
        **fields,
    }


async def test_admin_creates_a_night_shift_crossing_midnight(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(
        URL,
        json=new_shift(
            tenant.team.id,
            name="GRAVEYARD",
            start_time="23:00",
            end_time="07:00",
            days_of_week=["sun", "mon", "fri"],
            required_headcount=3,
            screeners_required=1,
        ),
        headers=tenant.admin,
    )
    assert created.status_code == 201, created.text
    shift = created.json()
    assert shift["duration_minutes"] == 480
    assert (shift["start_time"], shift["end_time"]) == ("23:00:00", "07:00:00")
    assert shift["days_of_week"] == ["mon", "fri", "sun"]
    assert (shift["required_headcount"], shift["screeners_required"]) == (3, 1)
    assert (shift["org_id"], shift["team_id"], shift["is_active"]) == (
        tenant.org.id,
        tenant.team.id,
        True,
    )
    fetched = await client.get(f"{URL}/{shift['id']}", headers=tenant.viewer)
    assert fetched.json()["duration_minutes"] == 480
    assert fetched.json()["name"] == "GRAVEYARD"


async def test_defaults_run_every_day_with_one_person(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(URL, json=new_shift(tenant.team.id), headers=tenant.admin)
    assert created.status_code == 201, created.text
    shift = created.json()
    assert shift["days_of_week"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert (shift["required_headcount"], shift["screeners_required"]) == (1, 0)
    assert shift["duration_minutes"] == 480


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_reads_shift_types(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    listed = await client.get(URL, headers=tenant.headers[role])
    assert listed.status_code == 200, listed.text
    assert [s["name"] for s in listed.json()["items"]] == ["MORNING", "NIGHT"]
    night = await client.get(f"{URL}/{tenant.shift_types[1].id}", headers=tenant.headers[role])
    assert night.json()["duration_minutes"] == 480


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.VIEWER])
async def test_only_admins_write_shift_types(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    headers = tenant.headers[role]
    url = f"{URL}/{tenant.shift_types[0].id}"
    problem(await client.post(URL, json=new_shift(tenant.team.id), headers=headers), 403)
    problem(await client.patch(url, json={"name": "EARLY"}, headers=headers), 403)
    problem(await client.delete(url, headers=headers), 403)
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert [s["name"] for s in listed] == ["MORNING", "NIGHT"]


INVALID_SHAPES: list[tuple[dict[str, Any], str]] = [
    ({"start_time": "08:00", "end_time": "08:00"}, "#/"),
    ({"start_time": "08:00:30"}, "#/start_time"),
    ({"end_time": "16:00:00.5"}, "#/end_time"),
    ({"start_time": "08:00+01:00"}, "#/start_time"),
    ({"end_time": "16:00Z"}, "#/end_time"),
    ({"days_of_week": ["mon", "tue", "mon"]}, "#/days_of_week"),
    ({"days_of_week": []}, "#/days_of_week"),
    ({"required_headcount": 1, "screeners_required": 2}, "#/"),
    ({"required_headcount": -1}, "#/required_headcount"),
]


async def test_invalid_shift_shapes_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for fields, pointer in INVALID_SHAPES:
        response = await client.post(
            URL, json=new_shift(tenant.team.id, **fields), headers=tenant.admin
        )
        assert pointers(problem(response, 422)) == [pointer], fields
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert len(listed) == 2


async def test_a_partial_update_must_keep_the_shape(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    staffed = await make_shift_type(session, tenant.team, name="DESK", headcount=2, screeners=1)
    await session.commit()
    url = f"{URL}/{staffed.id}"
    for fields in (
        {"screeners_required": 3},
        {"required_headcount": 0},
        {"end_time": "07:00"},  # equal to the start
        {"start_time": "15:00"},  # equal to the end
    ):
        problem(await client.patch(url, json=fields, headers=tenant.admin), 422)
    after = (await client.get(url, headers=tenant.admin)).json()
    assert (after["required_headcount"], after["screeners_required"]) == (2, 1)
    assert (after["start_time"], after["end_time"]) == ("07:00:00", "15:00:00")

    problem(await client.patch(url, json={"end_time": "15:00:30"}, headers=tenant.admin), 422)
    problem(
        await client.patch(url, json={"days_of_week": ["sat", "sat"]}, headers=tenant.admin), 422
    )
    problem(await client.patch(url, json={"name": None}, headers=tenant.admin), 422)

    grown = await client.patch(url, json={"screeners_required": 2}, headers=tenant.admin)
    assert grown.status_code == 200, grown.text
    longer = await client.patch(url, json={"end_time": "19:30"}, headers=tenant.admin)
    assert longer.json()["duration_minutes"] == 750
    assert longer.json()["screeners_required"] == 2


async def test_names_are_unique_within_a_team(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    problem(
        await client.post(URL, json=new_shift(tenant.team.id, name="NIGHT"), headers=tenant.admin),
        409,
    )
    morning = f"{URL}/{tenant.shift_types[0].id}"
    problem(await client.patch(morning, json={"name": "NIGHT"}, headers=tenant.admin), 409)
    assert (await client.get(morning, headers=tenant.admin)).json()["name"] == "MORNING"

    other_team = await make_team(session, tenant.org, code="SGP")
    await session.commit()
    elsewhere = await client.post(
        URL, json=new_shift(other_team.id, name="NIGHT"), headers=tenant.admin
    )
    assert elsewhere.status_code == 201, elsewhere.text
    # Moving MORNING next to the other team's NIGHT is fine; moving NIGHT there is not.
    problem(
        await client.patch(
            f"{URL}/{tenant.shift_types[1].id}",
            json={"team_id": other_team.id},
            headers=tenant.admin,
        ),
        409,
    )
    moved = await client.patch(morning, json={"team_id": other_team.id}, headers=tenant.admin)
    assert moved.status_code == 200, moved.text
    assert moved.json()["team_id"] == other_team.id


async def test_a_shift_type_in_use_cannot_be_deleted(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    used, unused = tenant.shift_types
    await make_assignment(session, tenant.analysts[0], used, date(2030, 1, 7))
    await session.commit()
    problem(await client.delete(f"{URL}/{used.id}", headers=tenant.admin), 409)
    assert (await client.get(f"{URL}/{used.id}", headers=tenant.admin)).status_code == 200

    deleted = await client.delete(f"{URL}/{unused.id}", headers=tenant.admin)
    assert deleted.status_code == 204
    problem(await client.get(f"{URL}/{unused.id}", headers=tenant.admin), 404)


async def test_list_filters_by_team_and_activity(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    other_team = await make_team(session, tenant.org, code="NYC")
    nyc = await make_shift_type(session, other_team, name="NYC DAY")
    await session.commit()
    retired = await client.post(
        URL, json=new_shift(tenant.team.id, is_active=False), headers=tenant.admin
    )
    assert retired.status_code == 201, retired.text

    async def ids(**params: str | int) -> list[int]:
        response = await client.get(URL, params=params, headers=tenant.viewer)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    morning, night = (s.id for s in tenant.shift_types)
    assert await ids() == [morning, night, nyc.id, retired.json()["id"]]
    assert await ids(team_id=tenant.team.id) == [morning, night, retired.json()["id"]]
    assert await ids(team_id=other_team.id, is_active="true") == [nyc.id]
    assert await ids(is_active="false") == [retired.json()["id"]]
    foreign = await client.get(URL, params={"team_id": other_tenant.team.id}, headers=tenant.viewer)
    problem(foreign, 422)


async def test_other_organizations_are_invisible(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = f"{URL}/{other_tenant.shift_types[0].id}"
    problem(await client.get(theirs, headers=tenant.admin), 404)
    problem(await client.patch(theirs, json={"name": "MINE"}, headers=tenant.admin), 404)
    problem(await client.delete(theirs, headers=tenant.admin), 404)
    assert (await client.get(theirs, headers=other_tenant.admin)).json()["name"] == "MORNING"

    for team_id in (other_tenant.team.id, 987_654):
        created = await client.post(URL, json=new_shift(team_id), headers=tenant.admin)
        assert pointers(problem(created, 422)) == ["#/team_id"]
        moved = await client.patch(
            f"{URL}/{tenant.shift_types[0].id}", json={"team_id": team_id}, headers=tenant.admin
        )
        assert pointers(problem(moved, 422)) == ["#/team_id"]
    mine = (await client.get(f"{URL}/{tenant.shift_types[0].id}", headers=tenant.admin)).json()
    assert mine["team_id"] == tenant.team.id
