"""`POST /api/schedules/bulk`: many creates, replacements and deletes, all or nothing."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Assignment
from tests.assertions import problem
from tests.factories import Tenant, make_assignment, make_shift_type

URL = "/api/schedules/bulk"
DAY = date(2030, 3, 4)


def item(analyst_id: int, shift_type_id: int, offset: int = 0, **extra: Any) -> dict[str, Any]:
    day = DAY + timedelta(days=offset)
    return {"analyst_id": analyst_id, "shift_type_id": shift_type_id, "date": str(day)} | extra


def replace(assignment: Assignment, **changes: Any) -> dict[str, Any]:
    fields = {
        "id": assignment.id,
        "version": assignment.version,
        "analyst_id": assignment.analyst_id,
        "shift_type_id": assignment.shift_type_id,
        "date": str(assignment.date),
    }
    return fields | changes


async def schedule(client: httpx.AsyncClient, tenant: Tenant) -> list[tuple[Any, ...]]:
    """What is booked around DAY, as (id, analyst, shift type, date, version)."""
    params = {"start": str(DAY - timedelta(days=30)), "end": str(DAY + timedelta(days=30))}
    response = await client.get(
        "/api/schedules", params={**params, "limit": 500}, headers=tenant.viewer
    )
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return [
        (a["id"], a["analyst_id"], a["shift_type_id"], a["date"], a["version"])
        for a in response.json()["items"]
    ]


async def bulk(
    client: httpx.AsyncClient, tenant: Tenant, payload: dict[str, Any]
) -> httpx.Response:
    return await client.post(URL, json=payload, headers=tenant.manager)


async def test_creates_many_in_one_request(client: httpx.AsyncClient, tenant: Tenant) -> None:
    morning = tenant.shift_types[0]
    items = [item(a.id, morning.id, day) for a in tenant.analysts for day in range(10)]
    response = await bulk(client, tenant, {"items": items})
    assert response.status_code == 200, response.text
    result = response.json()
    assert len(result["created"]) == 30
    assert (result["updated"], result["deleted"]) == ([], [])
    stored = await schedule(client, tenant)
    assert sorted(a["id"] for a in result["created"]) == sorted(s[0] for s in stored)
    # Ten days in a row is over the default limit of six: a warning per analyst, not a refusal.
    runs = [c for c in result["conflicts"] if c["type"] == "consecutive_days"]
    assert sorted(c["analyst_id"] for c in runs) == sorted(a.id for a in tenant.analysts)
    assert all(c["severity"] == "warning" for c in result["conflicts"])
    created_ids = {a["id"] for a in result["created"]}
    assert all(set(c["assignment_ids"]) <= created_ids for c in runs)


async def test_two_items_double_booking_refuse_the_whole_request(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, a1, _ = tenant.analysts
    morning, night = tenant.shift_types
    await make_assignment(session, a1, night, DAY)
    await session.commit()
    before = await schedule(client, tenant)
    items = [item(a1.id, morning.id, 3), item(a0.id, morning.id), item(a0.id, morning.id)]
    body = problem(await bulk(client, tenant, {"items": items}), 409)
    assert body["type"].endswith("schedule-conflict")
    [conflict] = body["conflicts"]
    assert (conflict["type"], conflict["severity"]) == ("double_booking", "error")
    assert conflict["item_indexes"] == [1, 2]
    assert conflict["assignment_ids"] == []
    assert await schedule(client, tenant) == before


async def test_an_item_clashing_with_a_stored_assignment_refuses_everything(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, a1, _ = tenant.analysts
    morning, night = tenant.shift_types
    stored = await make_assignment(session, a0, night, DAY - timedelta(days=1))
    early = await make_shift_type(session, tenant.team, name="EARLY", start=time(6), end=time(14))
    await session.commit()
    before = await schedule(client, tenant)
    early_id = early.id
    items = [item(a1.id, morning.id), item(a0.id, early_id), item(a1.id, night.id, 2)]
    body = problem(await bulk(client, tenant, {"items": items}), 409)
    [conflict] = body["conflicts"]
    assert conflict["type"] == "double_booking"
    assert (conflict["item_indexes"], conflict["assignment_ids"]) == ([1], [stored.id])
    assert await schedule(client, tenant) == before


async def test_a_replacement_into_a_double_booking_names_its_item(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, a1, _ = tenant.analysts
    morning, night = tenant.shift_types
    mine = await make_assignment(session, a0, morning, DAY)
    theirs = await make_assignment(session, a1, morning, DAY + timedelta(days=1))
    await session.commit()
    before = await schedule(client, tenant)
    items = [item(a1.id, night.id, 5), replace(theirs, analyst_id=a0.id, date=str(DAY))]
    body = problem(await bulk(client, tenant, {"items": items}), 409)
    [conflict] = body["conflicts"]
    assert conflict["type"] == "double_booking"
    assert set(conflict["assignment_ids"]) == {mine.id, theirs.id}
    assert conflict["item_indexes"] == [1]
    assert await schedule(client, tenant) == before


async def test_every_invalid_item_is_listed_with_its_pointer(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    a0, a1, _ = tenant.analysts
    morning = tenant.shift_types[0]
    items = [
        item(a0.id, morning.id),
        item(a1.id, 987654321),
        item(987654321, morning.id),
        item(other_tenant.analysts[0].id, other_tenant.shift_types[0].id),
    ]
    body = problem(await bulk(client, tenant, {"items": items}), 422)
    assert sorted(e["pointer"] for e in body["errors"]) == [
        "#/items/1/shift_type_id",
        "#/items/2/analyst_id",
        "#/items/3/analyst_id",
        "#/items/3/shift_type_id",
    ]
    assert await schedule(client, tenant) == []
    assert await schedule(client, other_tenant) == []


async def test_replaces_creates_and_deletes_in_one_request(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, a1, a2 = tenant.analysts
    morning, night = tenant.shift_types
    moved = await make_assignment(session, a0, morning, DAY)
    dropped = await make_assignment(session, a1, morning, DAY)
    kept = await make_assignment(session, a2, morning, DAY + timedelta(days=1))
    await session.commit()
    payload = {
        "items": [
            replace(moved, shift_type_id=night.id, note="nights now"),
            item(a1.id, night.id, 2),
        ],
        "deletes": [{"id": dropped.id, "version": 1}],
    }
    response = await bulk(client, tenant, payload)
    assert response.status_code == 200, response.text
    result = response.json()
    [updated], [created] = result["updated"], result["created"]
    assert (updated["id"], updated["shift_type_id"], updated["version"]) == (moved.id, night.id, 2)
    assert updated["note"] == "nights now"
    assert result["deleted"] == [dropped.id]
    assert await schedule(client, tenant) == [
        (moved.id, a0.id, night.id, str(DAY), 2),
        (kept.id, a2.id, morning.id, str(DAY + timedelta(days=1)), 1),
        (created["id"], a1.id, night.id, str(DAY + timedelta(days=2)), 1),
    ]
    gaps = [c for c in result["conflicts"] if c["type"] == "coverage_gap"]
    assert (morning.id, str(DAY)) in {(g["shift_type_id"], g["date"]) for g in gaps}


async def test_a_slot_freed_by_a_delete_can_be_filled_in_the_same_request(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, morning = tenant.analysts[0], tenant.shift_types[0]
    old = await make_assignment(session, a0, morning, DAY)
    await session.commit()
    payload = {
        "items": [item(a0.id, morning.id, note="again")],
        "deletes": [{"id": old.id, "version": 1}],
    }
    response = await bulk(client, tenant, payload)
    assert response.status_code == 200, response.text
    [created] = response.json()["created"]
    assert await schedule(client, tenant) == [(created["id"], a0.id, morning.id, str(DAY), 1)]


async def test_two_analysts_can_swap_shifts_in_one_request(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, a1, _ = tenant.analysts
    morning = tenant.shift_types[0]
    first = await make_assignment(session, a0, morning, DAY)
    second = await make_assignment(session, a1, morning, DAY)
    await session.commit()
    payload = {"items": [replace(first, analyst_id=a1.id), replace(second, analyst_id=a0.id)]}
    response = await bulk(client, tenant, payload)
    assert response.status_code == 200, response.text
    assert await schedule(client, tenant) == [
        (first.id, a1.id, morning.id, str(DAY), 2),
        (second.id, a0.id, morning.id, str(DAY), 2),
    ]


@pytest.mark.parametrize("where", ["items", "deletes"])
async def test_a_stale_version_refuses_everything(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, where: str
) -> None:
    a0, a1, _ = tenant.analysts
    morning, night = tenant.shift_types
    old = await make_assignment(session, a0, morning, DAY)
    await session.commit()
    bumped = await client.patch(
        f"/api/schedules/{old.id}", json={"note": "bumped", "version": 1}, headers=tenant.manager
    )
    assert bumped.status_code == 200, bumped.text
    before = await schedule(client, tenant)
    payload: dict[str, Any] = {"items": [item(a1.id, night.id)]}
    if where == "items":
        payload["items"].append(replace(old, shift_type_id=night.id, version=1))
        pointer = "#/items/1/version"
    else:
        payload["deletes"] = [{"id": old.id, "version": 1}]
        pointer = "#/deletes/0/version"
    body = problem(await bulk(client, tenant, payload), 409)
    assert body["type"].endswith("stale-version")
    assert [e["pointer"] for e in body["errors"]] == [pointer]
    assert await schedule(client, tenant) == before


@pytest.mark.parametrize(
    "shape",
    [
        "id without version",
        "same id twice in items",
        "same id in items and deletes",
        "empty",
        "empty lists",
    ],
)
async def test_malformed_requests_are_422(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, shape: str
) -> None:
    a0, a1, _ = tenant.analysts
    morning, night = tenant.shift_types
    old = await make_assignment(session, a0, morning, DAY)
    await session.commit()
    new = item(a1.id, night.id)
    payloads: dict[str, dict[str, Any]] = {
        "id without version": {"items": [new, item(a0.id, night.id, id=old.id)]},
        "same id twice in items": {"items": [replace(old), replace(old, note="twice")]},
        "same id in items and deletes": {
            "items": [replace(old, note="x")],
            "deletes": [{"id": old.id, "version": 1}],
        },
        "empty": {},
        "empty lists": {"items": [], "deletes": []},
    }
    body = problem(await bulk(client, tenant, payloads[shape]), 422)
    assert body["errors"]
    if shape == "id without version":
        assert [e["pointer"] for e in body["errors"]] == ["#/items/1"]
    assert await schedule(client, tenant) == [(old.id, a0.id, morning.id, str(DAY), 1)]


@pytest.mark.parametrize("where", ["items", "deletes"])
async def test_more_than_1000_entries_are_422(
    client: httpx.AsyncClient, tenant: Tenant, where: str
) -> None:
    morning = tenant.shift_types[0]
    if where == "items":
        entries = [item(tenant.analysts[n % 3].id, morning.id, n // 3) for n in range(1001)]
    else:
        entries = [{"id": n, "version": 1} for n in range(1, 1002)]
    body = problem(await bulk(client, tenant, {where: entries}), 422)
    assert [e["pointer"] for e in body["errors"]] == [f"#/{where}"]
    assert await schedule(client, tenant) == []


@pytest.mark.parametrize("where", ["items", "deletes"])
async def test_another_organizations_assignment_is_refused_and_nothing_written(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    session: AsyncSession,
    where: str,
) -> None:
    foreign = await make_assignment(
        session, other_tenant.analysts[0], other_tenant.shift_types[0], DAY
    )
    await session.commit()
    foreign_before = await schedule(client, other_tenant)
    payload: dict[str, Any] = {"items": [item(tenant.analysts[0].id, tenant.shift_types[0].id)]}
    if where == "items":
        mine = replace(
            foreign, analyst_id=tenant.analysts[1].id, shift_type_id=tenant.shift_types[0].id
        )
        payload["items"].append(mine)
        pointer = "#/items/1/id"
    else:
        payload["deletes"] = [{"id": foreign.id, "version": 1}]
        pointer = "#/deletes/0/id"
    body = problem(await bulk(client, tenant, payload), 422)
    assert [e["pointer"] for e in body["errors"]] == [pointer]
    assert await schedule(client, tenant) == []
    assert await schedule(client, other_tenant) == foreign_before
