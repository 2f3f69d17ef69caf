"""`PATCH /api/absences/{id}`: a requested absence's days, kind and note change, under
the version rule every versioned resource follows, and with the checks a new request
gets."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AbsenceStatus, OutboxEvent
from shiftplanner.runtime import Runtime
from tests.absences.test_routes import D, blackout, day, request, requested
from tests.assertions import problem
from tests.factories import Tenant, make_absence


def date_of(offset: int) -> date:
    return D + timedelta(days=offset)


def at(absence_id: int) -> str:
    return f"/api/absences/{absence_id}"


async def own_request(client: httpx.AsyncClient, tenant: Tenant, start: int, end: int) -> int:
    response = await request(client, tenant.analyst, start, end)
    assert response.status_code == 201, response.text
    absence_id: int = response.json()["id"]
    return absence_id


async def read(client: httpx.AsyncClient, tenant: Tenant, absence_id: int) -> dict[str, Any]:
    response = await client.get(at(absence_id), headers=tenant.manager)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def updated_events(runtime: Runtime, absence_id: int) -> list[OutboxEvent]:
    async with runtime.session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.event_type == "absence.updated",
                OutboxEvent.resource_id == absence_id,
            )
            .order_by(OutboxEvent.id)
        )
        return list(rows)


async def test_an_analyst_changes_their_own_requested_absence_and_the_change_is_an_event(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    absence_id = await own_request(client, tenant, 0, 1)
    read_back = await client.get(at(absence_id), headers=tenant.analyst)
    assert read_back.headers["etag"] == '"1"'
    change = {"start_date": day(2), "end_date": day(4), "kind": "training", "note": "course"}
    response = await client.patch(
        at(absence_id), json=change, headers={**tenant.analyst, "If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert (body["start_date"], body["end_date"], body["kind"], body["note"]) == (
        day(2),
        day(4),
        "training",
        "course",
    )
    assert (body["status"], body["version"]) == ("requested", 2)
    [event] = await updated_events(runtime, absence_id)
    assert event.payload["changes"] == {
        "start_date": {"old": day(0), "new": day(2)},
        "end_date": {"old": day(1), "new": day(4)},
        "kind": {"old": "vacation", "new": "training"},
        "note": {"old": "", "new": "course"},
    }
    assert event.payload["data"]["version"] == 2


async def test_a_change_without_or_with_a_stale_version_overwrites_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    absence_id = await own_request(client, tenant, 0, 0)
    first = await client.patch(
        at(absence_id), json={"note": "first", "version": 1}, headers=tenant.manager
    )
    assert first.status_code == 200, first.text
    unversioned = problem(
        await client.patch(at(absence_id), json={"note": "x"}, headers=tenant.analyst), 428
    )
    assert unversioned["type"].endswith("precondition-required")
    stale_body = problem(
        await client.patch(
            at(absence_id), json={"note": "x", "version": 1}, headers=tenant.analyst
        ),
        409,
    )
    assert stale_body["type"].endswith("stale-version")
    stale_tag = {**tenant.analyst, "If-Match": '"1"'}
    problem(await client.patch(at(absence_id), json={"note": "x"}, headers=stale_tag), 412)
    assert (await read(client, tenant, absence_id))["note"] == "first"


async def test_a_decided_absence_cannot_be_changed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    approved = await own_request(client, tenant, 0, 0)
    response = await client.post(f"{at(approved)}/approve", headers=tenant.manager)
    assert response.status_code == 200, response.text
    rejected = await own_request(client, tenant, 3, 3)
    response = await client.post(f"{at(rejected)}/reject", headers=tenant.manager)
    assert response.status_code == 200, response.text
    for absence_id in (approved, rejected):
        version = (await read(client, tenant, absence_id))["version"]
        move = {"start_date": day(10), "end_date": day(10), "version": version}
        body = problem(await client.patch(at(absence_id), json=move, headers=tenant.manager), 409)
        assert "only a requested absence" in body["detail"]
    assert (await read(client, tenant, approved))["start_date"] == day(0)


async def test_changed_days_cannot_overlap_another_absence_a_blackout_or_run_backwards(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    analyst = tenant.analysts[1]
    absence_id = await requested(client, tenant, 0, 1, analyst.id)
    other = await make_absence(session, analyst, date_of(5), date_of(6))
    await session.commit()
    closed = await blackout(client, tenant, 10, 10, team_id=tenant.team.id)

    def move(start: int, end: int) -> dict[str, Any]:
        return {"start_date": day(start), "end_date": day(end), "version": 1}

    clash = problem(
        await client.patch(at(absence_id), json=move(1, 5), headers=tenant.manager), 409
    )
    assert clash["absence_ids"] == [other.id]
    during = problem(
        await client.patch(at(absence_id), json=move(9, 11), headers=tenant.manager), 409
    )
    assert during["blackout_date_ids"] == [closed]
    backwards = problem(
        await client.patch(
            at(absence_id), json={"end_date": day(-1), "version": 1}, headers=tenant.manager
        ),
        422,
    )
    assert backwards["errors"][0]["pointer"] == "#/end_date"
    # Its own days do not clash with it: moving by one day within them is fine.
    moved = await client.patch(at(absence_id), json=move(1, 2), headers=tenant.manager)
    assert moved.status_code == 200, moved.text
    assert (await read(client, tenant, absence_id))["start_date"] == day(1)


async def test_only_the_owner_or_a_manager_changes_an_absence(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    theirs = await make_absence(
        session, tenant.analysts[0], date_of(0), date_of(0), status=AbsenceStatus.REQUESTED
    )
    await session.commit()
    change = {"note": "mine now", "version": 1}
    problem(await client.patch(at(theirs.id), json=change, headers=tenant.analyst), 404)
    problem(await client.patch(at(theirs.id), json=change, headers=tenant.viewer), 403)
    assert (await read(client, tenant, theirs.id))["note"] == ""
    by_manager = await client.patch(at(theirs.id), json=change, headers=tenant.manager)
    assert by_manager.status_code == 200, by_manager.text
