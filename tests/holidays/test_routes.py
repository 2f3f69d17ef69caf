from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.assertions import problem
from tests.factories import Tenant, make_team

URL = "/api/holidays"


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(URL, json=body, headers=headers)


async def test_admin_creates_reads_updates_and_deletes_a_holiday(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await create(
        client, tenant.admin, team_id=tenant.team.id, name=" Christmas ", date="2025-12-25"
    )
    assert created.status_code == 201, created.text
    holiday = created.json()
    assert holiday["name"] == "Christmas"
    assert holiday["date"] == "2025-12-25"
    assert holiday["team_id"] == tenant.team.id
    assert holiday["org_id"] == tenant.org.id
    assert holiday["recurring"] is False
    url = f"{URL}/{holiday['id']}"

    for headers in (tenant.manager, tenant.analyst, tenant.viewer):
        read = await client.get(url, headers=headers)
        assert read.status_code == 200, read.text
        assert read.json()["name"] == "Christmas"

    updated = await client.patch(
        url, json={"name": "Christmas Day", "recurring": True}, headers=tenant.admin
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Christmas Day"
    assert updated.json()["recurring"] is True
    assert updated.json()["date"] == "2025-12-25"
    assert (await client.get(url, headers=tenant.viewer)).json()["recurring"] is True

    deleted = await client.delete(url, headers=tenant.admin)
    assert deleted.status_code == 204
    problem(await client.get(url, headers=tenant.admin), 404)
    problem(await client.patch(url, json={"name": "x"}, headers=tenant.admin), 404)
    problem(await client.delete(url, headers=tenant.admin), 404)


async def test_only_admins_write(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = {"team_id": tenant.team.id, "name": "Boxing Day", "date": "2025-12-26"}
    for headers in (tenant.manager, tenant.analyst, tenant.viewer):
        assert problem(await create(client, headers, **body), 403)["type"].endswith(":forbidden")
    created = await create(client, tenant.admin, **body)
    assert created.status_code == 201, created.text
    url = f"{URL}/{created.json()['id']}"
    for headers in (tenant.manager, tenant.analyst, tenant.viewer):
        problem(await client.patch(url, json={"name": "Mine"}, headers=headers), 403)
        problem(await client.delete(url, headers=headers), 403)
    assert (await client.get(url, headers=tenant.viewer)).json()["name"] == "Boxing Day"
    problem(await client.get(URL), 401)


async def test_same_name_on_same_date_is_a_conflict(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    team = tenant.team.id
    first = await create(client, tenant.admin, team_id=team, name="Bank Holiday", date="2025-05-05")
    assert first.status_code == 201, first.text
    again = await create(client, tenant.admin, team_id=team, name="Bank Holiday", date="2025-05-05")
    clash = problem(again, 409)
    assert clash["type"].endswith(":conflict")
    assert "Bank Holiday" in clash["detail"]
    spaced = await create(
        client, tenant.admin, team_id=team, name="Bank Holiday  ", date="2025-05-05"
    )
    problem(spaced, 409)
    # Another name that day, another day, or another team are all fine.
    other_name = await create(
        client, tenant.admin, team_id=team, name="Early May", date="2025-05-05"
    )
    assert other_name.status_code == 201, other_name.text
    other_day = await create(
        client, tenant.admin, team_id=team, name="Bank Holiday", date="2025-05-26"
    )
    assert other_day.status_code == 201, other_day.text
    second_team = await make_team(session, tenant.org)
    await session.commit()
    elsewhere = await create(
        client, tenant.admin, team_id=second_team.id, name="Bank Holiday", date="2025-05-05"
    )
    assert elsewhere.status_code == 201, elsewhere.text

    # Renaming or moving onto an existing holiday is a conflict too, and changes nothing.
    url = f"{URL}/{other_name.json()['id']}"
    renamed = await client.patch(url, json={"name": "Bank Holiday"}, headers=tenant.admin)
    problem(renamed, 409)
    moved = await client.patch(
        f"{URL}/{other_day.json()['id']}", json={"date": "2025-05-05"}, headers=tenant.admin
    )
    problem(moved, 409)
    assert (await client.get(url, headers=tenant.admin)).json()["name"] == "Early May"
    kept = await client.patch(url, json={"name": "Early May"}, headers=tenant.admin)
    assert kept.status_code == 200, kept.text


async def test_recurring_flag(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await create(
        client,
        tenant.admin,
        team_id=tenant.team.id,
        name="New Year",
        date="2025-01-01",
        recurring=True,
    )
    assert created.status_code == 201, created.text
    assert created.json()["recurring"] is True
    url = f"{URL}/{created.json()['id']}"
    assert (await client.get(url, headers=tenant.viewer)).json()["recurring"] is True
    off = await client.patch(url, json={"recurring": False}, headers=tenant.admin)
    assert off.status_code == 200
    assert off.json()["recurring"] is False
    problem(await client.patch(url, json={"recurring": None}, headers=tenant.admin), 422)
    problem(await client.patch(url, json={"recurring": "often"}, headers=tenant.admin), 422)


async def test_list_is_ordered_by_date_and_filtered_by_team(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    second_team = await make_team(session, tenant.org)
    await session.commit()
    ids: dict[str, int] = {}
    for team_id, name, day in (
        (tenant.team.id, "Christmas", "2025-12-25"),
        (second_team.id, "Labour Day", "2025-05-01"),
        (tenant.team.id, "New Year", "2025-01-01"),
        (tenant.team.id, "Easter Monday", "2025-04-21"),
    ):
        response = await create(client, tenant.admin, team_id=team_id, name=name, date=day)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]

    async def names(**params: Any) -> list[str]:
        response = await client.get(URL, params=params, headers=tenant.viewer)
        assert response.status_code == 200, response.text
        by_id = {v: k for k, v in ids.items()}
        return [by_id[h["id"]] for h in response.json()["items"]]

    assert await names() == ["New Year", "Easter Monday", "Labour Day", "Christmas"]
    assert await names(team_id=tenant.team.id) == ["New Year", "Easter Monday", "Christmas"]
    assert await names(team_id=second_team.id) == ["Labour Day"]
    first_page = await client.get(URL, params={"limit": 2}, headers=tenant.viewer)
    cursor = first_page.json()["next_cursor"]
    assert cursor
    rest = await client.get(URL, params={"limit": 2, "cursor": cursor}, headers=tenant.viewer)
    assert [h["name"] for h in rest.json()["items"]] == ["Labour Day", "Christmas"]


async def test_unknown_or_foreign_team_is_invalid(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    for team_id in (other_tenant.team.id, 999_999):
        body = problem(
            await create(client, tenant.admin, team_id=team_id, name="X", date="2025-01-01"), 422
        )
        assert body["errors"][0]["pointer"] == "#/team_id"
    missing = problem(await create(client, tenant.admin, name="X", date="2025-01-01"), 422)
    assert missing["errors"][0]["pointer"] == "#/team_id"
    blank = await create(client, tenant.admin, team_id=tenant.team.id, name="  ", date="2025-01-01")
    problem(blank, 422)
    assert (await client.get(URL, headers=other_tenant.admin)).json()["items"] == []


async def test_other_organizations_holidays_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await create(
        client, other_tenant.admin, team_id=other_tenant.team.id, name="Theirs", date="2025-07-04"
    )
    assert created.status_code == 201, created.text
    url = f"{URL}/{created.json()['id']}"
    problem(await client.get(url, headers=tenant.admin), 404)
    problem(await client.patch(url, json={"name": "Ours"}, headers=tenant.admin), 404)
    problem(await client.delete(url, headers=tenant.admin), 404)
    assert (await client.get(URL, headers=tenant.admin)).json()["items"] == []
    foreign_filter = await client.get(
        URL, params={"team_id": other_tenant.team.id}, headers=tenant.admin
    )
    problem(foreign_filter, 422)
    assert (await client.get(url, headers=other_tenant.viewer)).json()["name"] == "Theirs"
