from __future__ import annotations

import httpx

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
