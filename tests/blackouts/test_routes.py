from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.assertions import problem
from tests.factories import Tenant, make_team

URL = "/api/blackout-dates"


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(URL, json=body, headers=headers)


async def test_manager_creates_updates_and_deletes_a_team_blackout(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await create(
        client,
        tenant.manager,
        team_id=tenant.team.id,
        start_date="2025-12-20",
        end_date="2025-12-31",
        reason="  Year-end freeze  ",
    )
    assert created.status_code == 201, created.text
    blackout = created.json()
    assert blackout["team_id"] == tenant.team.id
    assert blackout["analyst_id"] is None
    assert blackout["org_id"] == tenant.org.id
    assert (blackout["start_date"], blackout["end_date"]) == ("2025-12-20", "2025-12-31")
    assert blackout["reason"] == "Year-end freeze"
    url = f"{URL}/{blackout['id']}"

    moved = await client.patch(
        url, json={"end_date": "2026-01-02", "reason": "Freeze"}, headers=tenant.manager
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["end_date"] == "2026-01-02"
    assert moved.json()["start_date"] == "2025-12-20"
    assert moved.json()["reason"] == "Freeze"
    read = await client.get(url, headers=tenant.viewer)
    assert read.status_code == 200
    assert read.json()["end_date"] == "2026-01-02"

    deleted = await client.delete(url, headers=tenant.manager)
    assert deleted.status_code == 204
    problem(await client.get(url, headers=tenant.manager), 404)
    problem(await client.delete(url, headers=tenant.manager), 404)


async def test_blackout_for_one_analyst_defaults_to_a_single_day(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    analyst = tenant.analysts[1]
    created = await create(client, tenant.admin, analyst_id=analyst.id, start_date="2025-03-03")
    assert created.status_code == 201, created.text
    blackout = created.json()
    assert blackout["analyst_id"] == analyst.id
    assert blackout["team_id"] is None
    assert blackout["end_date"] == blackout["start_date"] == "2025-03-03"
    assert blackout["reason"] == ""


async def test_exactly_one_target_is_required(client: httpx.AsyncClient, tenant: Tenant) -> None:
    neither = problem(await create(client, tenant.manager, start_date="2025-03-03"), 422)
    assert "exactly one" in str(neither["errors"])
    both = await create(
        client,
        tenant.manager,
        team_id=tenant.team.id,
        analyst_id=tenant.analysts[0].id,
        start_date="2025-03-03",
    )
    assert "exactly one" in str(problem(both, 422)["errors"])
    assert (await client.get(URL, headers=tenant.manager)).json()["items"] == []


async def test_spans_are_checked_on_create_and_update(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = {"team_id": tenant.team.id}
    backwards = await create(
        client, tenant.manager, **team, start_date="2025-03-03", end_date="2025-03-02"
    )
    assert "before" in str(problem(backwards, 422)["errors"])
    too_long = await create(
        client, tenant.manager, **team, start_date="2025-01-01", end_date="2026-01-02"
    )
    assert "366" in str(problem(too_long, 422)["errors"])
    longest = await create(
        client, tenant.manager, **team, start_date="2025-01-01", end_date="2026-01-01"
    )
    assert longest.status_code == 201, longest.text
    url = f"{URL}/{longest.json()['id']}"

    early_end = await client.patch(url, json={"end_date": "2024-12-31"}, headers=tenant.manager)
    assert problem(early_end, 422)["errors"][0]["pointer"] == "#/end_date"
    late_start = await client.patch(url, json={"start_date": "2026-01-02"}, headers=tenant.manager)
    problem(late_start, 422)
    longer = await client.patch(url, json={"end_date": "2026-01-02"}, headers=tenant.manager)
    problem(longer, 422)
    problem(await client.patch(url, json={"end_date": None}, headers=tenant.manager), 422)
    problem(await client.patch(url, json={"team_id": 5}, headers=tenant.manager), 422)
    unchanged = await client.get(url, headers=tenant.manager)
    assert unchanged.json()["start_date"] == "2025-01-01"
    assert unchanged.json()["end_date"] == "2026-01-01"
    shifted = await client.patch(
        url, json={"start_date": "2025-06-01", "end_date": "2025-06-02"}, headers=tenant.manager
    )
    assert shifted.status_code == 200, shifted.text
    assert (shifted.json()["start_date"], shifted.json()["end_date"]) == (
        "2025-06-01",
        "2025-06-02",
    )


async def test_only_managers_and_admins_write_and_everyone_reads(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"team_id": tenant.team.id, "start_date": "2025-03-03"}
    for headers in (tenant.analyst, tenant.viewer):
        assert problem(await create(client, headers, **body), 403)["type"].endswith(":forbidden")
    created = await create(client, tenant.manager, **body)
    assert created.status_code == 201, created.text
    url = f"{URL}/{created.json()['id']}"
    for headers in (tenant.analyst, tenant.viewer):
        problem(await client.patch(url, json={"reason": "x"}, headers=headers), 403)
        problem(await client.delete(url, headers=headers), 403)
    for headers in (tenant.admin, tenant.manager, tenant.analyst, tenant.viewer):
        assert (await client.get(url, headers=headers)).json()["reason"] == ""
        listed = await client.get(URL, headers=headers)
        assert [b["id"] for b in listed.json()["items"]] == [created.json()["id"]]
    problem(await client.get(URL), 401)
    assert (await client.delete(url, headers=tenant.admin)).status_code == 204


async def test_list_is_ordered_by_start_and_filtered(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    analyst = tenant.analysts[0]
    ids = []
    for body in (
        {"team_id": tenant.team.id, "start_date": "2025-05-01"},
        {"analyst_id": analyst.id, "start_date": "2025-02-01"},
        {"team_id": tenant.team.id, "start_date": "2025-03-01"},
    ):
        response = await create(client, tenant.manager, **body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    team_may, analyst_feb, team_march = ids

    async def listed(**params: Any) -> list[int]:
        response = await client.get(URL, params=params, headers=tenant.viewer)
        assert response.status_code == 200, response.text
        return [b["id"] for b in response.json()["items"]]

    assert await listed() == [analyst_feb, team_march, team_may]
    assert await listed(team_id=tenant.team.id) == [team_march, team_may]
    assert await listed(analyst_id=analyst.id) == [analyst_feb]
    assert await listed(analyst_id=tenant.analysts[1].id) == []
    first_page = await client.get(URL, params={"limit": 2}, headers=tenant.viewer)
    assert [b["id"] for b in first_page.json()["items"]] == [analyst_feb, team_march]
    assert await listed(limit=2, cursor=first_page.json()["next_cursor"]) == [team_may]


async def test_unknown_or_foreign_targets_are_invalid(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    day = {"start_date": "2025-03-03"}
    for field, value in (
        ("team_id", other_tenant.team.id),
        ("team_id", 999_999),
        ("analyst_id", other_tenant.analysts[0].id),
        ("analyst_id", 999_999),
    ):
        body = problem(await create(client, tenant.manager, **{field: value}, **day), 422)
        assert body["errors"][0]["pointer"] == f"#/{field}"
    problem(await create(client, tenant.manager, team_id=0, **day), 422)
    # A second team of the same organization is a valid target.
    team = await make_team(session, tenant.org)
    await session.commit()
    assert (await create(client, tenant.manager, team_id=team.id, **day)).status_code == 201
    assert (await client.get(URL, headers=other_tenant.manager)).json()["items"] == []


async def test_other_organizations_blackouts_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await create(
        client, other_tenant.manager, team_id=other_tenant.team.id, start_date="2025-03-03"
    )
    assert created.status_code == 201, created.text
    url = f"{URL}/{created.json()['id']}"
    problem(await client.get(url, headers=tenant.admin), 404)
    problem(await client.patch(url, json={"reason": "mine"}, headers=tenant.admin), 404)
    problem(await client.delete(url, headers=tenant.admin), 404)
    assert (await client.get(URL, headers=tenant.admin)).json()["items"] == []
    filtered = await client.get(URL, params={"team_id": other_tenant.team.id}, headers=tenant.admin)
    problem(filtered, 422)  # a team not of this organization, as one that does not exist
    theirs = await client.get(url, headers=other_tenant.viewer)
    assert theirs.status_code == 200
    assert theirs.json()["reason"] == ""
