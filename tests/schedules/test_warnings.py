"""Bookings the schedule allows but says something about: a shift on a day its shift type
does not run, an analyst on another team's shift type. Warnings, as schedule generation
treats them (docs/scheduling-rules.md), on every write path alike."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import OutboxEvent
from shiftplanner.runtime import Runtime
from tests.factories import Tenant, make_analyst, make_shift_type, make_team

URL = "/api/schedules"
MONDAY = date(2030, 3, 4)


def warnings(conflicts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    found = [c for c in conflicts if c["type"] == kind]
    assert all(c["severity"] == "warning" for c in found), found
    return found


async def detected(runtime: Runtime) -> list[str]:
    async with runtime.session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "conflict.detected")
        )
        return [c["type"] for row in rows for c in row.payload["data"]["conflicts"]]


async def test_a_shift_on_a_day_its_shift_type_does_not_run_is_booked_with_a_warning(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    weekend = await make_shift_type(session, tenant.team, name="WEEKEND", days=["sat", "sun"])
    await session.commit()
    analyst = tenant.analysts[1]
    body = {"analyst_id": analyst.id, "shift_type_id": weekend.id, "date": str(MONDAY)}
    response = await client.post(URL, json=body, headers=tenant.manager)
    assert response.status_code == 201, response.text
    [warning] = warnings(response.json()["conflicts"], "shift_not_running")
    assert (warning["analyst_id"], warning["shift_type_id"]) == (analyst.id, weekend.id)
    assert warning["assignment_ids"] == [response.json()["id"]]
    assert "WEEKEND" in warning["message"]
    assert "Monday" in warning["message"]
    assert "shift_not_running" in await detected(runtime)
    report = await client.get(
        "/api/conflicts",
        params={"start": str(MONDAY), "end": str(MONDAY), "type": "shift_not_running"},
        headers=tenant.viewer,
    )
    assert [c["assignment_ids"] for c in report.json()["conflicts"]] == [[response.json()["id"]]]
    # On one of its days, nothing to say.
    saturday = {**body, "date": str(MONDAY + timedelta(days=5))}
    fine = await client.post(URL, json=saturday, headers=tenant.manager)
    assert fine.status_code == 201, fine.text
    on_saturday = [
        w
        for w in warnings(fine.json()["conflicts"], "shift_not_running")
        if fine.json()["id"] in w["assignment_ids"]
    ]
    assert on_saturday == []


async def test_an_analyst_booked_on_another_teams_shift_type_is_booked_with_a_warning(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    elsewhere = await make_team(session, tenant.org, code="SGP", timezone="Asia/Singapore")
    their_shift = await make_shift_type(session, elsewhere, name="SGP MORNING")
    await session.commit()
    analyst = tenant.analysts[1]
    body = {"analyst_id": analyst.id, "shift_type_id": their_shift.id, "date": str(MONDAY)}
    response = await client.post(URL, json=body, headers=tenant.manager)
    assert response.status_code == 201, response.text
    [warning] = warnings(response.json()["conflicts"], "other_team_shift")
    assert (warning["analyst_id"], warning["shift_type_id"]) == (analyst.id, their_shift.id)
    assert warning["details"] == {
        "analyst_team_id": tenant.team.id,
        "shift_team_id": elsewhere.id,
    }
    assert "other_team_shift" in await detected(runtime)


async def test_a_bulk_write_warns_of_them_as_a_single_write_does(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    weekend = await make_shift_type(session, tenant.team, name="WEEKEND", days=["sat", "sun"])
    elsewhere = await make_team(session, tenant.org, code="AMR", timezone="America/New_York")
    their_shift = await make_shift_type(session, elsewhere, name="AMR DAY")
    lent = await make_analyst(session, tenant.team)
    await session.commit()
    items = [
        {"analyst_id": tenant.analysts[1].id, "shift_type_id": weekend.id, "date": str(MONDAY)},
        {"analyst_id": lent.id, "shift_type_id": their_shift.id, "date": str(MONDAY)},
    ]
    response = await client.post(f"{URL}/bulk", json={"items": items}, headers=tenant.manager)
    assert response.status_code == 200, response.text
    result = response.json()
    created = [a["id"] for a in result["created"]]
    assert [w["assignment_ids"] for w in warnings(result["conflicts"], "shift_not_running")] == [
        [created[0]]
    ]
    assert [w["assignment_ids"] for w in warnings(result["conflicts"], "other_team_shift")] == [
        [created[1]]
    ]


async def test_a_shift_sequence_the_team_forbids_is_booked_with_a_warning_on_either_day(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    """LATE may not be followed by EARLY (set through the API, as the rules page does).
    Booking the EARLY after a LATE, or the LATE before an EARLY, warns of the pair, on
    the second day; EARLY after MORNING is fine."""
    late = await make_shift_type(session, tenant.team, name="LATE", start=time(15), end=time(23))
    early = await make_shift_type(session, tenant.team, name="EARLY", start=time(9), end=time(17))
    await session.commit()
    banned = await client.patch(
        f"/api/shift-types/{late.id}",
        json={"forbidden_next_ids": [early.id]},
        headers=tenant.admin,
    )
    assert banned.status_code == 200, banned.text
    analyst = tenant.analysts[1]

    async def book(shift_type_id: int, day: date) -> dict[str, Any]:
        body = {"analyst_id": analyst.id, "shift_type_id": shift_type_id, "date": str(day)}
        response = await client.post(URL, json=body, headers=tenant.manager)
        assert response.status_code == 201, response.text
        booked: dict[str, Any] = response.json()
        return booked

    def banned_pairs(booked: dict[str, Any]) -> list[dict[str, Any]]:
        """The warnings of forbidden sequences the booking is part of (the response lists
        those around it too)."""
        return [
            warning
            for warning in warnings(booked["conflicts"], "forbidden_succession")
            if booked["id"] in warning["assignment_ids"]
        ]

    first = await book(late.id, MONDAY)
    assert banned_pairs(first) == []
    second = await book(early.id, MONDAY + timedelta(days=1))
    [warning] = banned_pairs(second)
    assert warning["date"] == str(MONDAY + timedelta(days=1))
    assert warning["assignment_ids"] == [first["id"], second["id"]]
    assert warning["message"].endswith("LATE may not be followed by EARLY")
    # Booked the other way round: the EARLY first, then the LATE the day before.
    fourth = await book(early.id, MONDAY + timedelta(days=4))
    third = await book(late.id, MONDAY + timedelta(days=3))
    [warning] = banned_pairs(third)
    assert warning["assignment_ids"] == [third["id"], fourth["id"]]
    morning = tenant.shift_types[0]
    fine = await book(early.id, MONDAY + timedelta(days=8))
    fine_before = await book(morning.id, MONDAY + timedelta(days=7))
    assert banned_pairs(fine) == banned_pairs(fine_before) == []
    report = await client.get(
        "/api/conflicts",
        params={
            "start": str(MONDAY),
            "end": str(MONDAY + timedelta(days=13)),
            "type": "forbidden_succession",
        },
        headers=tenant.viewer,
    )
    assert report.status_code == 200, report.text
    assert [c["date"] for c in report.json()["conflicts"]] == [
        str(MONDAY + timedelta(days=1)),
        str(MONDAY + timedelta(days=4)),
    ]
