"""Coverage requirements: templates per weekday and overrides per date, for one shift type."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AuditLog, OutboxEvent, Role
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import Tenant, make_shift_type, make_team

URL = "/api/coverage-requirements"


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(URL, json=body, headers=headers)


async def created(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = await create(client, tenant.manager, **body)
    assert response.status_code == 201, response.text
    requirement: dict[str, Any] = response.json()
    return requirement


async def events(runtime: Runtime) -> list[tuple[str, int | None, dict[str, Any]]]:
    async with runtime.session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type.startswith("coverage_requirement."))
            .order_by(OutboxEvent.id)
        )
        return [(row.event_type, row.resource_id, row.payload) for row in rows]


async def test_manager_creates_reads_updates_and_deletes_a_template(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    morning = tenant.shift_types[0]
    requirement = await created(
        client,
        tenant,
        shift_type_id=morning.id,
        weekday="mon",
        required=3,
        screeners_required=1,
        hard_min=2,
        under_weight=500,
    )
    assert requirement["org_id"] == tenant.org.id
    assert requirement["shift_type_id"] == morning.id
    assert (requirement["weekday"], requirement["date"]) == ("mon", None)
    assert (requirement["required"], requirement["screeners_required"]) == (3, 1)
    assert (requirement["hard_min"], requirement["under_weight"]) == (2, 500)
    assert requirement["over_weight"] is None
    url = f"{URL}/{requirement['id']}"

    changed = await client.patch(
        url, json={"required": 4, "hard_min": None, "over_weight": 0}, headers=tenant.manager
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["required"], changed.json()["hard_min"]) == (4, None)
    assert changed.json()["over_weight"] == 0
    assert changed.json()["screeners_required"] == 1
    read = await client.get(url, headers=tenant.viewer)
    assert read.json() == changed.json()

    assert (await client.delete(url, headers=tenant.manager)).status_code == 204
    problem(await client.get(url, headers=tenant.manager), 404)
    problem(await client.delete(url, headers=tenant.manager), 404)

    recorded = await events(runtime)
    assert [(kind, resource) for kind, resource, _ in recorded] == [
        ("coverage_requirement.created", requirement["id"]),
        ("coverage_requirement.updated", requirement["id"]),
        ("coverage_requirement.deleted", requirement["id"]),
    ]
    assert recorded[0][2]["data"]["required"] == 3
    assert recorded[1][2]["changes"] == {
        "required": {"old": 3, "new": 4},
        "hard_min": {"old": 2, "new": None},
        "over_weight": {"old": None, "new": 0},
    }
    async with runtime.session_factory() as db:
        audited = await db.scalars(
            select(AuditLog.action).where(AuditLog.resource_type == "coverage_requirement")
        )
        assert sorted(audited) == sorted(kind for kind, _, _ in recorded)


async def test_an_override_for_a_date_defaults_to_no_screeners_and_no_floor(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    override = await created(
        client, tenant, shift_type_id=tenant.shift_types[1].id, date="2030-12-24", required=1
    )
    assert (override["weekday"], override["date"]) == (None, "2030-12-24")
    assert (override["screeners_required"], override["hard_min"]) == (0, None)
    assert (override["under_weight"], override["over_weight"]) == (None, None)


async def test_exactly_one_of_weekday_and_date(client: httpx.AsyncClient, tenant: Tenant) -> None:
    shift = {"shift_type_id": tenant.shift_types[0].id, "required": 1}
    neither = problem(await create(client, tenant.manager, **shift), 422)
    assert "exactly one" in str(neither["errors"])
    both = await create(client, tenant.manager, **shift, weekday="mon", date="2030-01-07")
    assert "exactly one" in str(problem(both, 422)["errors"])
    template = await created(client, tenant, **shift, weekday="tue")
    url = f"{URL}/{template['id']}"
    body = problem(await client.patch(url, json={"weekday": None}, headers=tenant.manager), 422)
    assert pointers(body) == ["#/weekday"]
    body = problem(
        await client.patch(url, json={"date": "2030-01-08"}, headers=tenant.manager), 422
    )
    assert pointers(body) == ["#/date"]
    # Turning the template into an override: the weekday goes, a date comes.
    turned = await client.patch(
        url, json={"weekday": None, "date": "2030-01-08"}, headers=tenant.manager
    )
    assert turned.status_code == 200, turned.text
    assert (turned.json()["weekday"], turned.json()["date"]) == (None, "2030-01-08")


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [
        ({"weekday": "monday"}, "#/weekday"),
        ({"weekday": "mon", "required": -1}, "#/required"),
        ({"weekday": "mon", "required": 501}, "#/required"),
        ({"weekday": "mon", "under_weight": 1_000_001}, "#/under_weight"),
        ({"weekday": "mon", "over_weight": -1}, "#/over_weight"),
        ({"weekday": "mon", "hard_min": -1}, "#/hard_min"),
        ({"date": "1800-01-01"}, "#/date"),
        ({"weekday": "mon", "team_id": 1}, "#/team_id"),
        ({"weekday": "mon", "shift_type_id": 0}, "#/shift_type_id"),
    ],
)
async def test_malformed_fields_are_422_with_their_pointer(
    client: httpx.AsyncClient, tenant: Tenant, fields: dict[str, Any], pointer: str
) -> None:
    body = {"shift_type_id": tenant.shift_types[0].id, "required": 2, **fields}
    refused = problem(await create(client, tenant.manager, **body), 422)
    assert pointer in pointers(refused), refused


async def test_screeners_and_the_floor_never_exceed_the_requirement(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    shift = {"shift_type_id": tenant.shift_types[0].id, "weekday": "wed", "required": 2}
    too_many = problem(await create(client, tenant.manager, **shift, screeners_required=3), 422)
    assert "screeners_required cannot exceed required" in str(too_many["errors"])
    too_high = problem(await create(client, tenant.manager, **shift, hard_min=3), 422)
    assert "hard_min cannot exceed required" in str(too_high["errors"])
    requirement = await created(client, tenant, **shift, screeners_required=2, hard_min=2)
    url = f"{URL}/{requirement['id']}"
    lower = problem(await client.patch(url, json={"required": 1}, headers=tenant.manager), 422)
    assert pointers(lower) == ["#/screeners_required"]
    more = await client.patch(url, json={"screeners_required": 3}, headers=tenant.manager)
    assert pointers(problem(more, 422)) == ["#/screeners_required"]
    floor = await client.patch(
        url, json={"screeners_required": 0, "hard_min": 5}, headers=tenant.manager
    )
    assert pointers(problem(floor, 422)) == ["#/hard_min"]
    for field in ("required", "screeners_required"):
        nulled = await client.patch(url, json={field: None}, headers=tenant.manager)
        assert pointers(problem(nulled, 422)) == [f"#/{field}"]
    moved = await client.patch(url, json={"shift_type_id": 5}, headers=tenant.manager)
    assert pointers(problem(moved, 422)) == ["#/shift_type_id"]
    lowered = await client.patch(
        url, json={"required": 1, "screeners_required": 1, "hard_min": 1}, headers=tenant.manager
    )
    assert lowered.status_code == 200, lowered.text
    assert (await client.get(url, headers=tenant.manager)).json()["required"] == 1


async def test_one_requirement_per_shift_type_and_weekday_or_date(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    morning, night = tenant.shift_types
    await created(client, tenant, shift_type_id=morning.id, weekday="thu", required=1)
    await created(client, tenant, shift_type_id=morning.id, date="2030-06-01", required=0)
    again = await create(
        client, tenant.manager, shift_type_id=morning.id, weekday="thu", required=2
    )
    assert problem(again, 409)["type"].endswith(":conflict")
    same_day = await create(
        client, tenant.manager, shift_type_id=morning.id, date="2030-06-01", required=2
    )
    problem(same_day, 409)
    # Another shift type, or another day, is free.
    await created(client, tenant, shift_type_id=night.id, weekday="thu", required=1)
    friday = await created(client, tenant, shift_type_id=morning.id, weekday="fri", required=1)
    onto = await client.patch(
        f"{URL}/{friday['id']}", json={"weekday": "thu"}, headers=tenant.manager
    )
    problem(onto, 409)
    itself = await client.patch(
        f"{URL}/{friday['id']}", json={"weekday": "fri", "required": 2}, headers=tenant.manager
    )
    assert itself.status_code == 200, itself.text
    listed = await client.get(URL, params={"shift_type_id": morning.id}, headers=tenant.manager)
    assert len(listed.json()["items"]) == 3


async def test_list_is_ordered_by_shift_type_filtered_and_paged(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    morning, night = tenant.shift_types
    team = await make_team(session, tenant.org)
    elsewhere = await make_shift_type(session, team, name="DAY")  # created last: highest id
    await session.commit()
    night_mon = await created(client, tenant, shift_type_id=night.id, weekday="mon", required=1)
    elsewhere_mon = await created(
        client, tenant, shift_type_id=elsewhere.id, weekday="mon", required=1
    )
    morning_tue = await created(client, tenant, shift_type_id=morning.id, weekday="tue", required=1)
    in_order = [morning_tue["id"], night_mon["id"], elsewhere_mon["id"]]

    async def listed(**params: Any) -> list[int]:
        response = await client.get(URL, params=params, headers=tenant.analyst)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert await listed() == in_order
    assert await listed(team_id=tenant.team.id) == in_order[:2]
    assert await listed(team_id=team.id) == [elsewhere_mon["id"]]
    assert await listed(shift_type_id=night.id) == [night_mon["id"]]
    assert await listed(team_id=team.id, shift_type_id=night.id) == []
    first = await client.get(URL, params={"limit": 2}, headers=tenant.viewer)
    assert [r["id"] for r in first.json()["items"]] == in_order[:2]
    assert await listed(limit=2, cursor=first.json()["next_cursor"]) == in_order[2:]


async def test_only_managers_and_admins_write_and_everyone_reads(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"shift_type_id": tenant.shift_types[0].id, "weekday": "fri", "required": 1}
    for headers in (tenant.analyst, tenant.viewer):
        assert problem(await create(client, headers, **body), 403)["type"].endswith(":forbidden")
    by_admin = await create(client, tenant.admin, **body)
    assert by_admin.status_code == 201, by_admin.text
    url = f"{URL}/{by_admin.json()['id']}"
    for headers in (tenant.analyst, tenant.viewer):
        problem(await client.patch(url, json={"required": 2}, headers=headers), 403)
        problem(await client.delete(url, headers=headers), 403)
    for role in Role:
        assert (await client.get(url, headers=tenant.headers[role])).json()["required"] == 1
        listed = await client.get(URL, headers=tenant.headers[role])
        assert [r["id"] for r in listed.json()["items"]] == [by_admin.json()["id"]]
    problem(await client.get(URL), 401)


async def test_a_shift_type_of_another_organization_or_none_is_invalid(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    for shift_type_id in (other_tenant.shift_types[0].id, 999_999):
        refused = await create(
            client, tenant.manager, shift_type_id=shift_type_id, weekday="mon", required=1
        )
        assert pointers(problem(refused, 422)) == ["#/shift_type_id"]
    assert (await client.get(URL, headers=tenant.manager)).json()["items"] == []
    assert (await client.get(URL, headers=other_tenant.manager)).json()["items"] == []


async def test_another_organizations_requirements_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await created(
        client,
        other_tenant,
        shift_type_id=other_tenant.shift_types[0].id,
        weekday="mon",
        required=1,
    )
    url = f"{URL}/{theirs['id']}"
    problem(await client.get(url, headers=tenant.admin), 404)
    problem(await client.patch(url, json={"required": 5}, headers=tenant.admin), 404)
    problem(await client.delete(url, headers=tenant.admin), 404)
    assert (await client.get(URL, headers=tenant.admin)).json()["items"] == []
    for params in (
        {"team_id": other_tenant.team.id},
        {"shift_type_id": other_tenant.shift_types[0].id},
    ):
        problem(await client.get(URL, params=params, headers=tenant.admin), 422)
    assert (await client.get(url, headers=other_tenant.viewer)).json()["required"] == 1


async def test_deleting_a_shift_type_removes_its_requirements(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    shift = await client.post(
        "/api/shift-types",
        json={
            "team_id": tenant.team.id,
            "name": "LATE",
            "start_time": "15:00",
            "end_time": "23:00",
        },
        headers=tenant.admin,
    )
    assert shift.status_code == 201, shift.text
    requirement = await created(
        client, tenant, shift_type_id=shift.json()["id"], weekday="mon", required=2
    )
    deleted = await client.delete(f"/api/shift-types/{shift.json()['id']}", headers=tenant.admin)
    assert deleted.status_code == 204
    problem(await client.get(f"{URL}/{requirement['id']}", headers=tenant.admin), 404)


async def test_a_template_on_a_weekday_the_shift_type_does_not_run_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    weekend = await make_shift_type(session, tenant.team, name="WEEKEND", days=["sat", "sun"])
    await session.commit()
    refused = problem(
        await create(client, tenant.manager, shift_type_id=weekend.id, weekday="mon", required=1),
        422,
    )
    assert pointers(refused) == ["#/weekday"]
    assert "WEEKEND" in refused["errors"][0]["detail"]
    template = await created(client, tenant, shift_type_id=weekend.id, weekday="sat", required=2)
    moved = await client.patch(
        f"{URL}/{template['id']}", json={"weekday": "fri"}, headers=tenant.manager
    )
    assert pointers(problem(moved, 422)) == ["#/weekday"]
    # An override for one date opens (or closes) the shift type on that date, whatever the weekday.
    extra = await created(client, tenant, shift_type_id=weekend.id, date="2030-03-06", required=1)
    assert extra["date"] == "2030-03-06"
    listed = await client.get(URL, params={"shift_type_id": weekend.id}, headers=tenant.viewer)
    assert [(r["weekday"], r["date"]) for r in listed.json()["items"]] == [
        ("sat", None),
        (None, "2030-03-06"),
    ]
