from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Role
from tests.assertions import problem
from tests.factories import (
    Tenant,
    make_absence,
    make_analyst,
    make_assignment,
    make_team,
)

URL = "/api/analysts"


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


def new_analyst(team_id: int, **fields: Any) -> dict[str, Any]:
    return {"name": "Ada Lovelace", "email": "ada@example.com", "team_id": team_id, **fields}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
async def test_managers_and_admins_create_update_and_delete_analysts(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    headers = tenant.headers[role]
    created = await client.post(
        URL,
        json=new_analyst(
            tenant.team.id, email="Ada@Example.COM", skills=["sql", " screener ", "sql", "screener"]
        ),
        headers=headers,
    )
    assert created.status_code == 201, created.text
    analyst = created.json()
    assert analyst["skills"] == ["screener", "sql"]
    assert analyst["email"] == "ada@example.com"
    assert (analyst["org_id"], analyst["team_id"]) == (tenant.org.id, tenant.team.id)
    assert analyst["user_id"] is None
    assert analyst["is_active"] is True
    assert analyst["preferences"] == {"preferred_shift_type_ids": [], "preferred_days_off": []}

    url = f"{URL}/{analyst['id']}"
    updated = await client.patch(
        url,
        json={"name": "Ada King", "skills": ["zeta", "alpha", "zeta"], "is_active": False},
        headers=headers,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["skills"] == ["alpha", "zeta"]
    fetched = (await client.get(url, headers=tenant.viewer)).json()
    assert (fetched["name"], fetched["skills"], fetched["is_active"]) == (
        "Ada King",
        ["alpha", "zeta"],
        False,
    )
    assert fetched["email"] == "ada@example.com"

    deleted = await client.delete(url, headers=headers)
    assert deleted.status_code == 204
    problem(await client.get(url, headers=headers), 404)


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_reads_analysts(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    listed = await client.get(URL, headers=tenant.headers[role])
    assert listed.status_code == 200, listed.text
    assert [a["id"] for a in listed.json()["items"]] == [a.id for a in tenant.analysts]
    one = await client.get(f"{URL}/{tenant.analysts[0].id}", headers=tenant.headers[role])
    assert one.status_code == 200
    assert one.json()["skills"] == ["screener"]


@pytest.mark.parametrize("role", [Role.ANALYST, Role.VIEWER])
async def test_analysts_and_viewers_cannot_write(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    headers = tenant.headers[role]
    target = tenant.analysts[0]
    problem(await client.post(URL, json=new_analyst(tenant.team.id), headers=headers), 403)
    problem(await client.patch(f"{URL}/{target.id}", json={"name": "X"}, headers=headers), 403)
    problem(await client.delete(f"{URL}/{target.id}", headers=headers), 403)
    after = (await client.get(f"{URL}/{target.id}", headers=tenant.admin)).json()
    assert after["name"] == target.name
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert len(listed) == len(tenant.analysts)


async def test_skill_names_are_lower_cased(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await client.post(
        URL,
        json=new_analyst(tenant.team.id, skills=["SQL", "Screener", "screener"]),
        headers=tenant.manager,
    )
    assert created.status_code == 201, created.text
    assert created.json()["skills"] == ["screener", "sql"]
    found = await client.get(URL, params={"skill": "SQL"}, headers=tenant.viewer)
    assert found.status_code == 200, found.text
    assert [a["id"] for a in found.json()["items"]] == [created.json()["id"]]


async def test_invalid_skill_names_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    url = f"{URL}/{tenant.analysts[0].id}"
    for bad in ("has space", "-leading", "x" * 33, "", "ünï", "a.b"):
        skills = ["sql", bad]
        created = await client.post(
            URL, json=new_analyst(tenant.team.id, skills=skills), headers=tenant.admin
        )
        assert pointers(problem(created, 422)) == ["#/skills/1"], bad
        patched = await client.patch(url, json={"skills": skills}, headers=tenant.admin)
        assert pointers(problem(patched, 422)) == ["#/skills/1"], bad
    listed = await client.get(URL, headers=tenant.admin)
    assert len(listed.json()["items"]) == len(tenant.analysts)
    assert (await client.get(url, headers=tenant.admin)).json()["skills"] == ["screener"]


async def test_list_filters_by_team_activity_and_skill(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    nyc_team = await make_team(session, tenant.org, code="NYC")
    nyc = await make_analyst(session, nyc_team, skills=["screener", "sql"])
    retired = await make_analyst(session, tenant.team, skills=["screener"], active=False)
    lookalike = await make_analyst(session, tenant.team, skills=["prescreener", "screeners"])
    await session.commit()

    async def ids(**params: str | int) -> list[int]:
        response = await client.get(URL, params=params, headers=tenant.viewer)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    first, second, third = (a.id for a in tenant.analysts)
    assert await ids() == [first, second, third, nyc.id, retired.id, lookalike.id]
    assert await ids(team_id=nyc_team.id) == [nyc.id]
    # Another organization's team is, to this one, a team that does not exist.
    foreign = await client.get(URL, params={"team_id": other_tenant.team.id}, headers=tenant.viewer)
    assert problem(foreign, 422)["errors"][0]["parameter"] == "team_id"
    assert await ids(is_active="false") == [retired.id]
    assert await ids(skill="screener") == [first, nyc.id, retired.id]
    assert await ids(skill="screener", is_active="true", team_id=tenant.team.id) == [first]
    assert await ids(skill="sql") == [nyc.id]
    assert await ids(skill="screen") == []
    problem(await client.get(URL, params={"skill": "not a skill"}, headers=tenant.viewer), 422)


async def test_team_must_belong_to_the_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    for team_id in (987_654, other_tenant.team.id):
        created = await client.post(URL, json=new_analyst(team_id), headers=tenant.manager)
        assert pointers(problem(created, 422)) == ["#/team_id"]
        moved = await client.patch(
            f"{URL}/{tenant.analysts[0].id}", json={"team_id": team_id}, headers=tenant.manager
        )
        assert pointers(problem(moved, 422)) == ["#/team_id"]
    still = (await client.get(f"{URL}/{tenant.analysts[0].id}", headers=tenant.admin)).json()
    assert still["team_id"] == tenant.team.id


async def test_linking_a_user_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    manager = tenant.users[Role.MANAGER]
    linked = await client.post(
        URL, json=new_analyst(tenant.team.id, user_id=manager.id), headers=tenant.admin
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["user_id"] == manager.id
    me = (await client.get("/api/auth/me", headers=tenant.manager)).json()
    assert me["analyst_id"] == linked.json()["id"]

    foreign = other_tenant.users[Role.VIEWER].id
    refused = await client.post(
        URL,
        json=new_analyst(tenant.team.id, email="b@example.com", user_id=foreign),
        headers=tenant.admin,
    )
    assert pointers(problem(refused, 422)) == ["#/user_id"]

    taken = tenant.users[Role.ANALYST].id  # already the third analyst's account
    problem(
        await client.post(
            URL,
            json=new_analyst(tenant.team.id, email="c@example.com", user_id=taken),
            headers=tenant.admin,
        ),
        409,
    )
    first = f"{URL}/{tenant.analysts[0].id}"
    problem(await client.patch(first, json={"user_id": taken}, headers=tenant.admin), 409)
    assert (await client.get(first, headers=tenant.admin)).json()["user_id"] is None
    # Re-linking an analyst to its own account is no conflict.
    same = await client.patch(
        f"{URL}/{tenant.analysts[2].id}", json={"user_id": taken}, headers=tenant.admin
    )
    assert same.status_code == 200, same.text


async def test_user_id_null_unlinks_but_name_null_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    url = f"{URL}/{tenant.analysts[2].id}"
    unlinked = await client.patch(url, json={"user_id": None}, headers=tenant.manager)
    assert unlinked.status_code == 200, unlinked.text
    assert unlinked.json()["user_id"] is None
    me = (await client.get("/api/auth/me", headers=tenant.analyst)).json()
    assert me["analyst_id"] is None

    body = problem(await client.patch(url, json={"name": None}, headers=tenant.manager), 422)
    assert pointers(body) == ["#/name"]
    assert (await client.get(url, headers=tenant.manager)).json()["name"] == tenant.analysts[2].name


async def test_emails_are_unique_within_an_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    taken = tenant.analysts[0].email
    problem(
        await client.post(
            URL, json=new_analyst(tenant.team.id, email=taken.upper()), headers=tenant.manager
        ),
        409,
    )
    second = f"{URL}/{tenant.analysts[1].id}"
    problem(await client.patch(second, json={"email": taken}, headers=tenant.manager), 409)
    assert (await client.get(second, headers=tenant.manager)).json()["email"] != taken
    # Keeping one's own address is fine, and another organization may use it.
    own = await client.patch(
        f"{URL}/{tenant.analysts[0].id}", json={"email": taken}, headers=tenant.manager
    )
    assert own.status_code == 200, own.text
    elsewhere = await client.post(
        URL, json=new_analyst(other_tenant.team.id, email=taken), headers=other_tenant.manager
    )
    assert elsewhere.status_code == 201, elsewhere.text


async def test_preferences_may_only_name_own_shift_types(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    own, foreign = tenant.shift_types[1].id, other_tenant.shift_types[0].id
    bad = {"preferred_shift_type_ids": [own, foreign]}
    pointer = "#/preferences/preferred_shift_type_ids"
    created = await client.post(
        URL, json=new_analyst(tenant.team.id, preferences=bad), headers=tenant.manager
    )
    assert pointers(problem(created, 422)) == [pointer]
    url = f"{URL}/{tenant.analysts[0].id}"
    patched = await client.patch(url, json={"preferences": bad}, headers=tenant.manager)
    assert pointers(problem(patched, 422)) == [pointer]

    good = {"preferred_shift_type_ids": [own], "preferred_days_off": ["sat"]}
    accepted = await client.patch(url, json={"preferences": good}, headers=tenant.manager)
    assert accepted.status_code == 200, accepted.text
    assert (await client.get(url, headers=tenant.viewer)).json()["preferences"] == good


async def test_an_analyst_with_history_cannot_be_deleted(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    scheduled, absent = tenant.analysts[0], tenant.analysts[1]
    await make_assignment(session, scheduled, tenant.shift_types[0], date(2030, 1, 7))
    await make_absence(session, absent, date(2030, 2, 1), date(2030, 2, 3))
    await session.commit()
    for analyst in (scheduled, absent):
        url = f"{URL}/{analyst.id}"
        problem(await client.delete(url, headers=tenant.manager), 409)
        still = await client.get(url, headers=tenant.manager)
        assert still.status_code == 200
        assert still.json()["name"] == analyst.name


async def test_other_organizations_analysts_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    url = f"{URL}/{other_tenant.analysts[0].id}"
    problem(await client.get(url, headers=tenant.admin), 404)
    problem(await client.patch(url, json={"name": "Mine"}, headers=tenant.admin), 404)
    problem(await client.delete(url, headers=tenant.admin), 404)
    theirs = await client.get(url, headers=other_tenant.viewer)
    assert theirs.status_code == 200
    assert theirs.json()["name"] == other_tenant.analysts[0].name
