from __future__ import annotations

import httpx
import pytest

from tests.assertions import problem
from tests.factories import Tenant


async def test_admin_creates_lists_updates_and_deletes_a_team(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(
        "/api/teams",
        json={"name": "Singapore", "code": "sgp", "timezone": "Asia/Singapore"},
        headers=tenant.admin,
    )
    assert created.status_code == 201, created.text
    team = created.json()
    assert team["code"] == "SGP"
    listed = await client.get("/api/teams", headers=tenant.viewer)
    assert [t["code"] for t in listed.json()["items"]] == ["LDN", "SGP"]
    renamed = await client.patch(
        f"/api/teams/{team['id']}", json={"name": "SG"}, headers=tenant.admin
    )
    assert renamed.json()["name"] == "SG"
    deleted = await client.delete(f"/api/teams/{team['id']}", headers=tenant.admin)
    assert deleted.status_code == 204
    missing = await client.get(f"/api/teams/{team['id']}", headers=tenant.admin)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("zone", ["localtime", "Factory", "EST5EDT", "US/Eastern"])
async def test_a_team_refuses_a_time_zone_that_is_not_canonical(
    client: httpx.AsyncClient, tenant: Tenant, zone: str
) -> None:
    created = await client.post(
        "/api/teams", json={"name": "Odd", "code": "ODD", "timezone": zone}, headers=tenant.admin
    )
    assert problem(created, 422)["errors"][0]["pointer"] == "#/timezone"
    moved = await client.patch(
        f"/api/teams/{tenant.team.id}", json={"timezone": zone}, headers=tenant.admin
    )
    problem(moved, 422)
    organization = await client.patch(
        f"/api/organizations/{tenant.org.id}", json={"timezone": zone}, headers=tenant.admin
    )
    problem(organization, 422)
    team = (await client.get(f"/api/teams/{tenant.team.id}", headers=tenant.admin)).json()
    assert team["timezone"] == "Europe/London"
