"""How many days in a row an analyst may work a shift type (`min_consecutive`,
`max_consecutive`): at most three nights in a row, say. Schedule generation holds every
analyst to them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shiftplanner.models import AuditLog, OutboxEvent
from shiftplanner.runtime import Runtime
from shiftplanner.scheduling.problem import MAX_HORIZON_DAYS, MAX_RUN
from tests.assertions import problem
from tests.factories import Tenant

URL = "/api/shift-types"


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


def new_night(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    return {
        "team_id": tenant.team.id,
        "name": "LATE NIGHT",
        "start_time": "23:00",
        "end_time": "07:00",
        **fields,
    }


async def test_a_shift_type_has_no_limit_until_given_one(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(URL, json=new_night(tenant), headers=tenant.admin)
    assert created.status_code == 201, created.text
    assert (created.json()["min_consecutive"], created.json()["max_consecutive"]) == (None, None)
    existing = await client.get(f"{URL}/{tenant.shift_types[0].id}", headers=tenant.viewer)
    assert (existing.json()["min_consecutive"], existing.json()["max_consecutive"]) == (None, None)


async def test_at_most_three_nights_in_a_row_is_kept_changed_and_cleared(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    created = await client.post(
        URL, json=new_night(tenant, min_consecutive=2, max_consecutive=3), headers=tenant.admin
    )
    assert created.status_code == 201, created.text
    night = created.json()
    assert (night["min_consecutive"], night["max_consecutive"]) == (2, 3)
    url = f"{URL}/{night['id']}"
    assert (await client.get(url, headers=tenant.viewer)).json()["max_consecutive"] == 3

    longer = await client.patch(url, json={"max_consecutive": 4}, headers=tenant.admin)
    assert longer.status_code == 200, longer.text
    assert (longer.json()["min_consecutive"], longer.json()["max_consecutive"]) == (2, 4)
    cleared = await client.patch(url, json={"min_consecutive": None}, headers=tenant.admin)
    assert (cleared.json()["min_consecutive"], cleared.json()["max_consecutive"]) == (None, 4)
    # Leaving both out of a change keeps them.
    renamed = await client.patch(url, json={"name": "NIGHT OWL"}, headers=tenant.admin)
    assert renamed.json()["max_consecutive"] == 4

    async with runtime.session_factory() as db:
        [created_event] = await db.scalars(
            select(OutboxEvent).where(
                OutboxEvent.event_type == "shift_type.created",
                OutboxEvent.resource_id == night["id"],
            )
        )
        updates = list(
            await db.scalars(
                select(OutboxEvent)
                .where(
                    OutboxEvent.event_type == "shift_type.updated",
                    OutboxEvent.resource_id == night["id"],
                )
                .order_by(OutboxEvent.id)
            )
        )
        audited = list(
            await db.scalars(
                select(AuditLog.changes)
                .where(AuditLog.action == "shift_type.updated")
                .where(AuditLog.resource_id == night["id"])
                .order_by(AuditLog.id)
            )
        )
    assert (created_event.payload["data"]["min_consecutive"], created_event.payload["data"]["max_consecutive"]) == (2, 3)  # fmt: skip
    changes = [event.payload["changes"] for event in updates]
    assert changes[0] == {"max_consecutive": {"old": 3, "new": 4}}
    assert changes[1] == {"min_consecutive": {"old": 2, "new": None}}
    assert "max_consecutive" not in changes[2]
    assert audited == changes


async def test_a_least_above_the_most_is_refused_naming_the_field(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    refused = problem(
        await client.post(
            URL, json=new_night(tenant, min_consecutive=4, max_consecutive=3), headers=tenant.admin
        ),
        422,
    )
    assert pointers(refused) == ["#/min_consecutive"]
    assert "min_consecutive (4) exceeds max_consecutive (3)" in refused["detail"]

    created = await client.post(
        URL, json=new_night(tenant, min_consecutive=2, max_consecutive=3), headers=tenant.admin
    )
    url = f"{URL}/{created.json()['id']}"
    raised = await client.patch(url, json={"min_consecutive": 5}, headers=tenant.admin)
    assert pointers(problem(raised, 422)) == ["#/min_consecutive"]
    lowered = await client.patch(url, json={"max_consecutive": 1}, headers=tenant.admin)
    assert pointers(problem(lowered, 422)) == ["#/max_consecutive"]
    after = (await client.get(url, headers=tenant.admin)).json()
    assert (after["min_consecutive"], after["max_consecutive"]) == (2, 3)
    # Equal bounds are a rule, not a contradiction; so is a least alone above the old most
    # when the most goes up with it.
    both = await client.patch(
        url, json={"min_consecutive": 5, "max_consecutive": 5}, headers=tenant.admin
    )
    assert both.status_code == 200, both.text


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [
        ({"min_consecutive": 0}, "#/min_consecutive"),
        ({"min_consecutive": MAX_RUN + 1}, "#/min_consecutive"),
        ({"max_consecutive": 0}, "#/max_consecutive"),
        ({"max_consecutive": MAX_HORIZON_DAYS + 1}, "#/max_consecutive"),
        ({"max_consecutive": "three"}, "#/max_consecutive"),
    ],
)
async def test_limits_the_solver_would_refuse_are_422(
    client: httpx.AsyncClient, tenant: Tenant, fields: dict[str, Any], pointer: str
) -> None:
    created = await client.post(URL, json=new_night(tenant, **fields), headers=tenant.admin)
    assert pointers(problem(created, 422)) == [pointer]
    patched = await client.patch(
        f"{URL}/{tenant.shift_types[1].id}", json=fields, headers=tenant.admin
    )
    assert pointers(problem(patched, 422)) == [pointer]
    longest = await client.post(
        URL,
        json=new_night(tenant, min_consecutive=MAX_RUN, max_consecutive=MAX_HORIZON_DAYS),
        headers=tenant.admin,
    )
    assert longest.status_code == 201, longest.text


@pytest.mark.parametrize("field", ["min_consecutive", "max_consecutive"])
async def test_only_admins_set_the_limits(
    client: httpx.AsyncClient, tenant: Tenant, field: str
) -> None:
    url = f"{URL}/{tenant.shift_types[1].id}"
    for headers in (tenant.manager, tenant.analyst, tenant.viewer):
        problem(await client.patch(url, json={field: 3}, headers=headers), 403)
    assert (await client.get(url, headers=tenant.admin)).json()[field] is None
