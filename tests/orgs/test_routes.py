from __future__ import annotations

from typing import Any

import httpx
import pytest

from shiftplanner.models import Role
from tests.assertions import problem
from tests.factories import Tenant

URL = "/api/organizations"


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


def new_org(**fields: Any) -> dict[str, Any]:
    return {"name": "Acme SOC", "slug": "acme-soc", **fields}


async def test_the_platform_operator_creates_organizations(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(
        URL, json=new_org(timezone="Asia/Singapore", min_rest_hours=12), headers=tenant.admin
    )
    assert created.status_code == 201, created.text
    org = created.json()
    assert (org["name"], org["slug"], org["timezone"]) == ("Acme SOC", "acme-soc", "Asia/Singapore")
    assert (org["min_rest_hours"], org["max_consecutive_days"]) == (12, 6)
    fetched = await client.get(f"{URL}/{org['id']}", headers=tenant.admin)
    assert fetched.json()["slug"] == "acme-soc"

    defaults = await client.post(URL, json=new_org(slug="plain"), headers=tenant.admin)
    assert defaults.status_code == 201, defaults.text
    assert (defaults.json()["timezone"], defaults.json()["min_rest_hours"]) == ("UTC", 10)

    problem(await client.post(URL, json=new_org(name="Other"), headers=tenant.admin), 409)
    problem(await client.post(URL, json=new_org(slug=tenant.org.slug), headers=tenant.admin), 409)


INVALID_ORGS: list[tuple[dict[str, Any], str]] = [
    ({"slug": "Acme"}, "#/slug"),
    ({"slug": "acme soc"}, "#/slug"),
    ({"slug": "-acme"}, "#/slug"),
    ({"slug": "acme-"}, "#/slug"),
    ({"slug": "a" * 65}, "#/slug"),
    ({"timezone": "Mars/Olympus_Mons"}, "#/timezone"),
    ({"timezone": "europe/london"}, "#/timezone"),
    ({"min_rest_hours": 49}, "#/min_rest_hours"),
    ({"max_consecutive_days": 0}, "#/max_consecutive_days"),
]


async def test_invalid_organizations_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for fields, pointer in INVALID_ORGS:
        response = await client.post(URL, json=new_org(**fields), headers=tenant.admin)
        assert pointers(problem(response, 422)) == [pointer], fields
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert [o["id"] for o in listed] == [tenant.org.id]


async def test_only_the_platform_operator_creates_organizations(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    for headers in (other_tenant.admin, tenant.manager, tenant.viewer):
        problem(await client.post(URL, json=new_org(), headers=headers), 403)
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert sorted(o["slug"] for o in listed) == sorted([tenant.org.slug, other_tenant.org.slug])


async def test_the_list_shows_only_what_the_caller_may_see(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    async def ids(headers: dict[str, str]) -> list[int]:
        response = await client.get(URL, headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(tenant.admin) == sorted([tenant.org.id, other_tenant.org.id])
    assert await ids(tenant.manager) == [tenant.org.id]
    assert await ids(other_tenant.admin) == [other_tenant.org.id]
    assert await ids(other_tenant.viewer) == [other_tenant.org.id]


async def test_non_operators_cannot_read_other_organizations(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    problem(await client.get(f"{URL}/{tenant.org.id}", headers=other_tenant.admin), 404)
    problem(await client.get(f"{URL}/{other_tenant.org.id}", headers=tenant.manager), 404)
    own = await client.get(f"{URL}/{other_tenant.org.id}", headers=other_tenant.viewer)
    assert own.json()["slug"] == other_tenant.org.slug
    operator = await client.get(f"{URL}/{other_tenant.org.id}", headers=tenant.admin)
    assert operator.status_code == 200
    assert operator.json()["slug"] == other_tenant.org.slug
    problem(await client.get(f"{URL}/987654", headers=tenant.admin), 404)


async def test_an_admin_changes_their_organizations_rules(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    url = f"{URL}/{other_tenant.org.id}"
    changed = await client.patch(
        url,
        json={"min_rest_hours": 12, "max_consecutive_days": 5, "timezone": "America/New_York"},
        headers=other_tenant.admin,
    )
    assert changed.status_code == 200, changed.text
    org = (await client.get(url, headers=other_tenant.viewer)).json()
    assert (org["min_rest_hours"], org["max_consecutive_days"], org["timezone"]) == (
        12,
        5,
        "America/New_York",
    )
    assert org["slug"] == other_tenant.org.slug

    bad = await client.patch(url, json={"max_consecutive_days": 40}, headers=other_tenant.admin)
    assert pointers(problem(bad, 422)) == ["#/max_consecutive_days"]
    unknown = await client.patch(url, json={"slug": "renamed"}, headers=other_tenant.admin)
    problem(unknown, 422)


async def test_null_does_not_pass_for_a_change(client: httpx.AsyncClient, tenant: Tenant) -> None:
    # As with every other PATCH (kit.schemas.UpdateSchema): null is refused for a field that
    # cannot be empty, rather than answered with 200 and silently ignored.
    url = f"{URL}/{tenant.org.id}"
    for field in ("name", "timezone", "min_rest_hours", "max_consecutive_days"):
        body = problem(await client.patch(url, json={field: None}, headers=tenant.admin), 422)
        assert pointers(body) == [f"#/{field}"]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.VIEWER])
async def test_only_admins_change_the_organization(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    url = f"{URL}/{tenant.org.id}"
    problem(await client.patch(url, json={"min_rest_hours": 1}, headers=tenant.headers[role]), 403)
    assert (await client.get(url, headers=tenant.admin)).json()["min_rest_hours"] == 10


async def test_an_admin_cannot_change_another_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    url = f"{URL}/{tenant.org.id}"
    problem(
        await client.patch(
            url, json={"min_rest_hours": 1, "name": "Hijacked"}, headers=other_tenant.admin
        ),
        404,
    )
    org = (await client.get(url, headers=tenant.admin)).json()
    assert (org["min_rest_hours"], org["name"]) == (10, tenant.org.name)
