"""GET /api/conflicts/coverage: what each shift needs on each day it runs against who is
booked and who counts — the numbers the calendar shows and coverage conflicts judge by."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import CoverageRequirement, Holiday
from tests.assertions import problem
from tests.factories import Tenant, make_absence, make_assignment, make_shift_type, make_team

DAY = date(2026, 1, 13)  # a Tuesday


async def coverage(
    client: httpx.AsyncClient, headers: dict[str, str], first: date, last: date, **query: Any
) -> list[tuple[str, int, int, int, int, int, int]]:
    params = {"start": first.isoformat(), "end": last.isoformat(), **query}
    answer = await client.get("/api/conflicts/coverage", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return sorted(
        (
            day["date"],
            day["shift_type_id"],
            day["required"],
            day["screeners_required"],
            day["booked"],
            day["effective"],
            day["screeners"],
        )
        for day in answer.json()["days"]
    )


async def test_needs_against_who_is_booked_and_who_counts(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    morning, night = tenant.shift_types
    alice, bob, _ = tenant.analysts  # alice has the screener skill
    wednesday = DAY + timedelta(days=1)
    await make_assignment(session, alice, morning, DAY, screener=True)
    await make_assignment(session, bob, morning, DAY)
    await make_assignment(session, bob, night, wednesday)
    await make_absence(session, bob, wednesday, wednesday)  # booked but away: does not count
    session.add_all(
        [
            CoverageRequirement(
                org_id=tenant.org.id, shift_type_id=morning.id, weekday="tue", required=3,
                screeners_required=1,
            ),
            Holiday(org_id=tenant.org.id, team_id=tenant.team.id, name="Closed", date=DAY + timedelta(days=2)),
            CoverageRequirement(
                org_id=other_tenant.org.id, shift_type_id=other_tenant.shift_types[0].id,
                weekday="tue", required=9,
            ),
        ]
    )  # fmt: skip
    await session.commit()

    days = await coverage(client, tenant.viewer, DAY, DAY + timedelta(days=2))
    # Tuesday: the template's three and one screener; Wednesday: the shift types' own one;
    # Thursday: the team's holiday, nothing runs. Nothing of the other organization.
    assert days == sorted(
        [
            (str(DAY), morning.id, 3, 1, 2, 2, 1),
            (str(DAY), night.id, 1, 0, 0, 0, 0),
            (str(wednesday), morning.id, 1, 0, 0, 0, 0),
            (str(wednesday), night.id, 1, 0, 1, 0, 0),
        ]
    )


async def test_one_teams_shifts_only_when_asked(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    elsewhere = await make_team(session, tenant.org, code="ELSE")
    desk = await make_shift_type(session, elsewhere, name="DESK")
    await session.commit()

    everything = await coverage(client, tenant.analyst, DAY, DAY)
    assert {day[1] for day in everything} == {*(s.id for s in tenant.shift_types), desk.id}
    one_team = await coverage(client, tenant.analyst, DAY, DAY, team_id=str(elsewhere.id))
    assert [day[1] for day in one_team] == [desk.id]

    theirs = await client.get(
        "/api/conflicts/coverage",
        params={"start": str(DAY), "end": str(DAY), "team_id": str(other_tenant.team.id)},
        headers=tenant.admin,
    )
    assert theirs.status_code in (404, 422)


async def test_an_invalid_range_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    inverted = await client.get(
        "/api/conflicts/coverage",
        params={"start": str(DAY), "end": str(DAY - timedelta(days=1))},
        headers=tenant.viewer,
    )
    problem(inverted, 422)
    too_long = await client.get(
        "/api/conflicts/coverage",
        params={"start": str(DAY), "end": str(DAY + timedelta(days=93))},
        headers=tenant.viewer,
    )
    problem(too_long, 422)
    anonymous = await client.get(
        "/api/conflicts/coverage", params={"start": str(DAY), "end": str(DAY)}
    )
    problem(anonymous, 401)


async def test_skill_needs_count_assignments_naming_a_skill_their_analyst_has(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    """A need of one skill: the report counts who covers it, and conflict detection
    warns of a shift-day short of it, as schedule generation costs it."""
    morning, _ = tenant.shift_types
    alice, bob, _ = tenant.analysts
    alice.skills = [*alice.skills, "triage"]
    session.add(
        CoverageRequirement(
            org_id=tenant.org.id, shift_type_id=morning.id, weekday="tue", required=2,
            skills=[{"skill": "triage", "minimum": 1, "optimal": 2}],
        )
    )  # fmt: skip
    await session.commit()
    booked = await client.post(
        "/api/schedules",
        json={"analyst_id": alice.id, "shift_type_id": morning.id, "date": str(DAY), "skill": "triage"},
        headers=tenant.manager,
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    await make_assignment(session, bob, morning, DAY)
    await session.commit()

    params = {"start": str(DAY), "end": str(DAY)}
    answer = await client.get("/api/conflicts/coverage", params=params, headers=tenant.viewer)
    [day] = [d for d in answer.json()["days"] if d["shift_type_id"] == morning.id]
    assert day["skills"] == [{"skill": "triage", "minimum": 1, "optimal": 2, "effective": 1}]
    found = await client.get("/api/conflicts", params=params, headers=tenant.viewer)
    [short] = [c for c in found.json()["conflicts"] if c["type"] == "skill_short"]
    assert (short["severity"], short["shift_type_id"], short["date"]) == (
        "warning",
        morning.id,
        str(DAY),
    )
    assert short["details"] == {"skill": "triage", "minimum": 1, "optimal": 2, "effective": 1}
