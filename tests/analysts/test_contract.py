"""An analyst's contract: the limits schedule generation holds them to, validated with the
solver's own `Contract`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Analyst, OutboxEvent
from shiftplanner.runtime import Runtime
from shiftplanner.scheduling.problem import MAX_HORIZON_DAYS, MAX_RUN, MAX_WEEKENDS, Contract
from tests.assertions import problem
from tests.factories import Tenant, make_shift_type, make_team

URL = "/api/analysts"
NO_LIMITS: dict[str, Any] = {
    "max_shifts_per_type": {},
    "min_minutes": None,
    "max_minutes": None,
    "max_consecutive_days": None,
    "min_consecutive_days": None,
    "min_consecutive_days_off": None,
    "max_consecutive_days_off": None,
    "min_assignments": None,
    "max_assignments": None,
    "max_weekends": None,
    "complete_weekends": False,
}


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


def new_analyst(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    return {"name": "Ada", "email": "ada@example.com", "team_id": tenant.team.id, **fields}


async def stored_contract(runtime: Runtime, analyst_id: int) -> dict[str, Any]:
    async with runtime.session_factory() as db:
        analyst = await db.get(Analyst, analyst_id)
        assert analyst is not None
        return analyst.contract


async def test_a_new_analyst_has_no_limits_unless_given(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(URL, json=new_analyst(tenant), headers=tenant.manager)
    assert created.status_code == 201, created.text
    assert created.json()["contract"] == NO_LIMITS
    existing = await client.get(f"{URL}/{tenant.analysts[0].id}", headers=tenant.viewer)
    assert existing.json()["contract"] == NO_LIMITS


async def test_a_contract_is_stored_as_the_solvers_model_dumps_it(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    night = tenant.shift_types[1].id
    contract = {
        "max_shifts_per_type": {str(night): 4},
        "min_minutes": 2400,
        "max_minutes": 9600,
        "max_consecutive_days": 5,
        "min_consecutive_days_off": 2,
        "max_weekends": 2,
    }
    created = await client.post(
        URL, json=new_analyst(tenant, contract=contract), headers=tenant.manager
    )
    assert created.status_code == 201, created.text
    shown = created.json()["contract"]
    assert shown == {**NO_LIMITS, **contract}
    stored = await stored_contract(runtime, created.json()["id"])
    assert stored == Contract.model_validate(contract).model_dump(mode="json")
    assert Contract.model_validate(stored).max_shifts_per_type == {night: 4}


async def test_the_competitions_limits_are_kept_as_given(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    contract = {
        "min_consecutive_days_off": 2,
        "max_consecutive_days_off": 4,
        "min_assignments": 10,
        "max_assignments": 20,
        "max_weekends": MAX_WEEKENDS,
        "complete_weekends": True,
    }
    created = await client.post(
        URL, json=new_analyst(tenant, contract=contract), headers=tenant.manager
    )
    assert created.status_code == 201, created.text
    assert created.json()["contract"] == {**NO_LIMITS, **contract}
    analyst_id = created.json()["id"]
    assert await stored_contract(runtime, analyst_id) == {**NO_LIMITS, **contract}
    relaxed = await client.patch(
        f"{URL}/{analyst_id}",
        json={"contract": {**contract, "complete_weekends": False, "max_assignments": None}},
        headers=tenant.manager,
    )
    assert relaxed.status_code == 200, relaxed.text
    assert relaxed.json()["contract"]["complete_weekends"] is False
    assert relaxed.json()["contract"]["max_assignments"] is None
    async with runtime.session_factory() as db:
        [event] = await db.scalars(
            select(OutboxEvent).where(
                OutboxEvent.event_type == "analyst.updated", OutboxEvent.resource_id == analyst_id
            )
        )
    change = event.payload["changes"]["contract"]
    assert (change["old"]["complete_weekends"], change["new"]["complete_weekends"]) == (True, False)
    assert (change["old"]["max_assignments"], change["new"]["max_assignments"]) == (20, None)


async def test_patch_replaces_the_contract_and_emits_the_change(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    analyst = tenant.analysts[1].id
    url = f"{URL}/{analyst}"
    morning = tenant.shift_types[0].id
    first = await client.patch(
        url,
        json={"contract": {"max_weekends": 1, "max_shifts_per_type": {str(morning): 3}}},
        headers=tenant.manager,
    )
    assert first.status_code == 200, first.text
    assert first.json()["contract"]["max_weekends"] == 1
    replaced = await client.patch(
        url, json={"contract": {"max_minutes": 4800}}, headers=tenant.admin
    )
    assert replaced.json()["contract"] == {**NO_LIMITS, "max_minutes": 4800}
    unrelated = await client.patch(url, json={"name": "Renamed"}, headers=tenant.manager)
    assert unrelated.json()["contract"]["max_minutes"] == 4800
    cleared = await client.patch(url, json={"contract": {}}, headers=tenant.manager)
    assert cleared.json()["contract"] == NO_LIMITS
    assert await stored_contract(runtime, analyst) == Contract().model_dump(mode="json")
    nulled = await client.patch(url, json={"contract": None}, headers=tenant.manager)
    assert pointers(problem(nulled, 422)) == ["#/contract"]
    async with runtime.session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == "analyst.updated", OutboxEvent.resource_id == analyst)
            .order_by(OutboxEvent.id)
        )
        changes = [row.payload["changes"] for row in rows]
    assert changes[0]["contract"]["new"]["max_shifts_per_type"] == {str(morning): 3}
    assert changes[1]["contract"]["old"]["max_weekends"] == 1
    assert changes[1]["contract"]["new"]["max_minutes"] == 4800
    assert "contract" not in changes[2]
    assert changes[3]["contract"]["new"] == NO_LIMITS


@pytest.mark.parametrize(
    ("contract", "pointer"),
    [
        ({"max_hours": 40}, "#/contract/max_hours"),
        ({"max_consecutive_days": 0}, "#/contract/max_consecutive_days"),
        ({"max_consecutive_days": MAX_HORIZON_DAYS + 1}, "#/contract/max_consecutive_days"),
        ({"min_consecutive_days_off": MAX_RUN + 1}, "#/contract/min_consecutive_days_off"),
        ({"max_consecutive_days_off": 0}, "#/contract/max_consecutive_days_off"),
        (
            {"max_consecutive_days_off": MAX_HORIZON_DAYS + 1},
            "#/contract/max_consecutive_days_off",
        ),
        ({"min_assignments": -1}, "#/contract/min_assignments"),
        ({"max_assignments": 10_001}, "#/contract/max_assignments"),
        ({"max_weekends": MAX_WEEKENDS + 1}, "#/contract/max_weekends"),
        ({"complete_weekends": "sometimes"}, "#/contract/complete_weekends"),
        ({"max_minutes": -1}, "#/contract/max_minutes"),
        ({"max_weekends": "many"}, "#/contract/max_weekends"),
        ({"max_shifts_per_type": {"night": 2}}, "#/contract/max_shifts_per_type/night/[key]"),
        ({"max_shifts_per_type": {"1": -1}}, "#/contract/max_shifts_per_type/1"),
        ({"max_shifts_per_type": [1, 2]}, "#/contract/max_shifts_per_type"),
        ({"max_shifts_per_type": {str(i): 1 for i in range(1, 102)}}, "#/contract"),
    ],
)
async def test_a_contract_the_solver_would_refuse_is_422(
    client: httpx.AsyncClient, tenant: Tenant, contract: dict[str, Any], pointer: str
) -> None:
    created = await client.post(
        URL, json=new_analyst(tenant, contract=contract), headers=tenant.manager
    )
    assert pointer in pointers(problem(created, 422))
    patched = await client.patch(
        f"{URL}/{tenant.analysts[0].id}", json={"contract": contract}, headers=tenant.manager
    )
    assert pointer in pointers(problem(patched, 422))


async def test_limited_shift_types_must_be_the_organizations(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    session: AsyncSession,
) -> None:
    foreign = other_tenant.shift_types[0].id
    huge = 2**70
    contract = {"max_shifts_per_type": {str(foreign): 1, "999999": 2, str(huge): 3, "-4": 1}}
    refused = problem(
        await client.post(URL, json=new_analyst(tenant, contract=contract), headers=tenant.manager),
        422,
    )
    assert pointers(refused) == [
        f"#/contract/max_shifts_per_type/{key}" for key in sorted([foreign, 999_999, huge, -4])
    ]
    url = f"{URL}/{tenant.analysts[0].id}"
    only_foreign = {"contract": {"max_shifts_per_type": {str(foreign): 1}}}
    patched = problem(await client.patch(url, json=only_foreign, headers=tenant.manager), 422)
    assert pointers(patched) == [f"#/contract/max_shifts_per_type/{foreign}"]
    # Any team of the organization will do: analysts move between teams.
    team = await make_team(session, tenant.org)
    elsewhere = await make_shift_type(session, team)
    await session.commit()
    ok = {"contract": {"max_shifts_per_type": {str(elsewhere.id): 1}}}
    assert (await client.patch(url, json=ok, headers=tenant.manager)).status_code == 200
    assert (await client.get(url, headers=tenant.admin)).json()["contract"][
        "max_shifts_per_type"
    ] == {str(elsewhere.id): 1}


async def test_only_managers_change_contracts_and_only_in_their_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    body = {"contract": {"max_weekends": 0}}
    url = f"{URL}/{tenant.analysts[0].id}"
    for headers in (tenant.analyst, tenant.viewer):
        problem(await client.patch(url, json=body, headers=headers), 403)
    problem(await client.patch(url, json=body, headers=other_tenant.manager), 404)
    assert (await client.get(url, headers=tenant.viewer)).json()["contract"] == NO_LIMITS


@pytest.mark.parametrize(
    ("contract", "pointer"),
    [
        ({"min_minutes": 2400, "max_minutes": 1200}, "#/contract/min_minutes"),
        ({"min_consecutive_days": 5, "max_consecutive_days": 3}, "#/contract/min_consecutive_days"),
        # The organization's most consecutive days (6 by default) caps every contract's.
        ({"min_consecutive_days": 7}, "#/contract/min_consecutive_days"),
        ({"min_assignments": 6, "max_assignments": 5}, "#/contract/min_assignments"),
        (
            {"min_consecutive_days_off": 3, "max_consecutive_days_off": 2},
            "#/contract/min_consecutive_days_off",
        ),
    ],
)
async def test_a_contract_whose_least_exceeds_its_most_is_refused_naming_the_field(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    contract: dict[str, Any],
    pointer: str,
) -> None:
    created = await client.post(
        URL, json=new_analyst(tenant, contract=contract), headers=tenant.manager
    )
    body = problem(created, 422)
    assert pointers(body) == [pointer]
    listed = await client.get(URL, params={"limit": 500}, headers=tenant.manager)
    assert "Ada" not in {a["name"] for a in listed.json()["items"]}
    analyst_id = tenant.analysts[0].id
    patched = await client.patch(
        f"{URL}/{analyst_id}", json={"contract": contract}, headers=tenant.manager
    )
    assert pointers(problem(patched, 422)) == [pointer]
    assert await stored_contract(runtime, analyst_id) == {}
    # Equal bounds are a contract, not a contradiction.
    equal = {
        "min_minutes": 1200,
        "max_minutes": 1200,
        "min_consecutive_days": 3,
        "min_assignments": 4,
        "max_assignments": 4,
        "min_consecutive_days_off": 2,
        "max_consecutive_days_off": 2,
    }
    kept = await client.patch(
        f"{URL}/{analyst_id}", json={"contract": equal}, headers=tenant.manager
    )
    assert kept.status_code == 200, kept.text
