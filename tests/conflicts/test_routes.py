"""GET /api/conflicts: the conflict report over stored data, its filters and its limits."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import (
    AbsenceStatus,
    CoverageRequirement,
    Holiday,
    Role,
    TeamScheduleSettings,
)
from tests.assertions import PROBLEM, problem
from tests.factories import (
    Tenant,
    make_absence,
    make_analyst,
    make_assignment,
    make_shift_type,
    make_team,
)

DAY = date(2026, 1, 13)  # a Tuesday in winter


async def report(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    first: date = DAY,
    last: date = DAY,
    **filters: Any,
) -> dict[str, Any]:
    params = {"start": first.isoformat(), "end": last.isoformat(), **filters}
    response = await client.get("/api/conflicts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def summary(body: dict[str, Any]) -> list[tuple[str, int | None, int | None]]:
    """(type, analyst_id, shift_type_id) of each conflict, in the report's order."""
    return [(c["type"], c["analyst_id"], c["shift_type_id"]) for c in body["conflicts"]]


async def test_report_counts_and_lists_conflicts_errors_first(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    morning, night = tenant.shift_types
    bob = tenant.analysts[1]  # no screener skill
    duty = await make_assignment(session, bob, morning, DAY, screener=True)
    await session.commit()

    body = await report(client, tenant.viewer)

    assert set(body) == {"start", "end", "errors", "warnings", "by_type", "conflicts"}
    assert (body["start"], body["end"]) == ("2026-01-13", "2026-01-13")
    assert (body["errors"], body["warnings"]) == (1, 1)
    assert body["by_type"] == {"unqualified_screener": 1, "coverage_gap": 1}
    unqualified, gap = body["conflicts"]
    assert unqualified == {
        "type": "unqualified_screener",
        "severity": "error",
        "date": "2026-01-13",
        "message": unqualified["message"],
        "analyst_id": bob.id,
        "shift_type_id": morning.id,
        "assignment_ids": [duty.id],
        "absence_id": None,
        "details": {},
        "item_indexes": [],
    }
    assert bob.name in unqualified["message"]
    assert (gap["type"], gap["severity"], gap["shift_type_id"]) == (
        "coverage_gap",
        "warning",
        night.id,
    )
    assert gap["details"] == {"required": 1, "booked": 0, "effective": 0}


async def test_a_night_on_the_eve_of_an_approved_absence_conflicts_and_leaves_a_gap(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    morning, night = tenant.shift_types
    alice, bob, _ = tenant.analysts
    eve = DAY - timedelta(days=1)
    await make_assignment(session, alice, morning, eve)
    night_shift = await make_assignment(session, bob, night, eve)
    absence = await make_absence(session, bob, DAY, DAY + timedelta(days=2))
    # A requested (not yet approved) absence is not a conflict.
    await make_absence(session, alice, eve, eve, status=AbsenceStatus.REQUESTED)
    await session.commit()

    body = await report(client, tenant.manager, eve, eve)

    assert summary(body) == [
        ("absence_overlap", bob.id, night.id),
        ("coverage_gap", None, night.id),
    ]
    overlap, gap = body["conflicts"]
    assert (overlap["absence_id"], overlap["assignment_ids"]) == (absence.id, [night_shift.id])
    assert gap["details"] == {"required": 1, "booked": 1, "effective": 0}


async def test_the_organizations_rules_apply_and_shifts_before_the_range_count(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    _, night = tenant.shift_types
    alice = tenant.analysts[0]
    tenant.org.min_rest_hours = 17
    tenant.org.max_consecutive_days = 3
    for offset in range(4):  # four nights in a row, 16 h apart, ending on DAY
        await make_assignment(session, alice, night, DAY - timedelta(days=3 - offset))
    await session.commit()

    body = await report(client, tenant.analyst, analyst_id=alice.id)

    assert [c["type"] for c in body["conflicts"]] == ["consecutive_days", "rest_violation"]
    run, rest = body["conflicts"]
    assert run["date"] == "2026-01-13"
    assert run["details"] == {"days": 4, "limit": 3, "first": "2026-01-10", "last": "2026-01-13"}
    assert len(run["assignment_ids"]) == 4
    assert rest["details"] == {"rest_hours": 16, "minimum_hours": 17}


async def test_an_analysts_contract_limits_their_runs_below_the_organizations(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    morning, _ = tenant.shift_types
    alice = tenant.analysts[0]
    alice.contract = {**alice.contract, "max_consecutive_days": 2}
    for offset in range(3):
        await make_assignment(session, alice, morning, DAY + timedelta(days=offset))
    await session.commit()

    body = await report(client, tenant.analyst, DAY, DAY + timedelta(days=2), analyst_id=alice.id)

    [run] = body["conflicts"]
    assert run["type"] == "consecutive_days"
    assert run["details"] == {"days": 3, "limit": 2, "first": "2026-01-13", "last": "2026-01-15"}


async def test_filters_by_team_analyst_type_and_severity(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    morning, night = tenant.shift_types
    bob = tenant.analysts[1]
    await make_assignment(session, bob, morning, DAY, screener=True)  # unqualified
    sgp = await make_team(session, tenant.org, code="SGP", timezone="Asia/Singapore")
    sgp_day = await make_shift_type(session, sgp, name="DAY", start=time(9), end=time(17))
    leaver = await make_analyst(session, sgp, active=False)
    await make_assignment(session, leaver, sgp_day, DAY)  # inactive, and a gap
    await session.commit()
    unqualified = ("unqualified_screener", bob.id, morning.id)
    inactive = ("inactive_analyst", leaver.id, sgp_day.id)
    ldn_gap, sgp_gap = ("coverage_gap", None, night.id), ("coverage_gap", None, sgp_day.id)

    everything = await report(client, tenant.viewer)
    assert sorted(summary(everything), key=str) == sorted(
        [unqualified, inactive, ldn_gap, sgp_gap], key=str
    )
    cases: list[tuple[dict[str, Any], list[tuple[str, int | None, int | None]]]] = [
        ({"team_id": tenant.team.id}, [unqualified, ldn_gap]),
        ({"team_id": sgp.id}, [inactive, sgp_gap]),
        ({"analyst_id": bob.id}, [unqualified]),
        ({"type": ["coverage_gap", "inactive_analyst"]}, [inactive, ldn_gap, sgp_gap]),
        ({"type": "inactive_analyst"}, [inactive]),
        ({"severity": "error"}, [unqualified, inactive]),
        ({"severity": "warning"}, [ldn_gap, sgp_gap]),
        ({"team_id": sgp.id, "severity": "warning"}, [sgp_gap]),
    ]
    for filters, expected in cases:
        body = await report(client, tenant.viewer, **filters)
        assert sorted(summary(body), key=str) == sorted(expected, key=str), filters
        errors = sum(1 for c in body["conflicts"] if c["severity"] == "error")
        assert (body["errors"], body["warnings"]) == (errors, len(expected) - errors), filters
        assert sum(body["by_type"].values()) == len(expected), filters

    for bad in ("type=overbooked", "severity=fatal", "team_id=0"):
        query = f"start={DAY}&end={DAY}&{bad}"
        refused = await client.get(f"/api/conflicts?{query}", headers=tenant.viewer)
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "query",
    [
        "end=2026-01-10",
        "start=2026-01-10",
        "start=2026-01-10&end=2026-01-09",
        "start=2026-01-01&end=2026-04-04",
        "start=1800-01-01&end=1800-01-02",
        "start=2026-01-10&end=tomorrow",
    ],
    ids=["no-start", "no-end", "inverted", "94-days", "year-1800", "not-a-date"],
)
async def test_an_invalid_range_is_a_422_problem(
    client: httpx.AsyncClient, tenant: Tenant, query: str
) -> None:
    response = await client.get(f"/api/conflicts?{query}", headers=tenant.viewer)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422
    assert problem["errors"], problem
    assert {e.get("parameter") for e in problem["errors"]} <= {"start", "end"}


async def test_a_range_of_exactly_93_days_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = await report(client, tenant.viewer, date(2026, 1, 1), date(2026, 4, 3))
    # Nobody is booked: both shift types are short on every one of the 93 days.
    assert body["by_type"] == {"coverage_gap": 2 * 93}
    assert body["conflicts"][-1]["date"] == "2026-04-03"


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_can_read_the_report(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, role: Role
) -> None:
    await make_assignment(session, tenant.analysts[1], tenant.shift_types[0], DAY, screener=True)
    await session.commit()
    body = await report(client, tenant.headers[role], type="unqualified_screener")
    assert summary(body) == [
        ("unqualified_screener", tenant.analysts[1].id, tenant.shift_types[0].id)
    ]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer not-a-token"}], ids=["none", "garbage"]
)
async def test_the_report_needs_a_valid_token(
    client: httpx.AsyncClient, tenant: Tenant, headers: dict[str, str]
) -> None:
    response = await client.get(
        "/api/conflicts", params={"start": "2026-01-13", "end": "2026-01-13"}, headers=headers
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


async def test_another_organizations_conflicts_never_appear(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    morning, night = tenant.shift_types
    await make_assignment(session, tenant.analysts[0], night, DAY)
    own = await make_assignment(session, tenant.analysts[1], morning, DAY, screener=True)
    theirs = other_tenant.analysts[1]
    other_morning, other_night = other_tenant.shift_types
    await make_assignment(session, theirs, other_morning, DAY, screener=True)
    await make_assignment(session, theirs, other_night, DAY - timedelta(days=1))  # 0 h rest
    await session.commit()

    other_report = await report(client, other_tenant.viewer)
    assert {c["type"] for c in other_report["conflicts"]} == {
        "unqualified_screener",
        "rest_violation",
        "coverage_gap",
    }

    body = await report(client, tenant.viewer, DAY - timedelta(days=1), DAY)
    day_only = [c for c in body["conflicts"] if c["date"] == "2026-01-13"]
    assert [(c["type"], c["assignment_ids"]) for c in day_only] == [
        ("unqualified_screener", [own.id])
    ]
    theirs_ids = {a.id for a in other_tenant.analysts}
    their_shifts = {s.id for s in other_tenant.shift_types}
    assert not [c for c in body["conflicts"] if c["analyst_id"] in theirs_ids]
    assert not [c for c in body["conflicts"] if c["shift_type_id"] in their_shifts]

    # Naming their analyst or team in a filter is refused, as one that does not exist.
    foreign: list[dict[str, Any]] = [{"analyst_id": theirs.id}, {"team_id": other_tenant.team.id}]
    for filters in foreign:
        params = {"start": DAY.isoformat(), "end": DAY.isoformat(), **filters}
        refused = await client.get("/api/conflicts", params=params, headers=tenant.admin)
        assert problem(refused, 422)["errors"][0]["parameter"] in filters


async def test_a_report_lists_only_conflicts_dated_within_its_range(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    _, night = tenant.shift_types
    alice = tenant.analysts[0]
    early = await make_shift_type(session, tenant.team, name="EARLY", start=time(5), end=time(13))
    jan_31, feb_1 = date(2026, 1, 31), date(2026, 2, 1)
    await make_assignment(session, alice, night, jan_31)
    await make_assignment(session, alice, early, feb_1)  # overlaps the night's last 2 h
    await session.commit()

    january = await report(client, tenant.viewer, date(2026, 1, 1), jan_31, severity="error")
    february = await report(client, tenant.viewer, feb_1, date(2026, 2, 28), severity="error")

    assert [(c["type"], c["date"]) for c in february["conflicts"]] == [
        ("double_booking", "2026-02-01")
    ]
    assert [c["date"] for c in january["conflicts"] if c["date"] > "2026-01-31"] == []
    assert january["errors"] == 0


async def test_shifts_of_teams_in_other_time_zones_are_compared_in_real_time(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    morning, night = tenant.shift_types
    alice, bob, _ = tenant.analysts
    sgp = await make_team(session, tenant.org, code="SGP", timezone="Asia/Singapore")
    sgp_morning = await make_shift_type(
        session, sgp, name="MORNING", start=time(7), end=time(15), days=[]
    )
    london_night = await make_assignment(session, alice, night, DAY - timedelta(days=1))
    singapore = await make_assignment(session, alice, sgp_morning, DAY)  # same UTC hours
    await make_assignment(session, bob, sgp_morning, DAY)  # ends 07:00 UTC ...
    await make_assignment(session, bob, morning, DAY)  # ... as London's morning starts
    await session.commit()

    body = await report(client, tenant.viewer, type=["double_booking", "rest_violation"])

    assert [(c["type"], c["analyst_id"]) for c in body["conflicts"]] == [
        ("double_booking", alice.id),
        ("rest_violation", bob.id),
    ]
    double, rest = body["conflicts"]
    assert double["assignment_ids"] == [london_night.id, singapore.id]
    assert double["details"]["overlap_start"].startswith("2026-01-12T23:00:00")
    assert rest["details"]["rest_hours"] == 0


async def test_coverage_is_judged_by_the_teams_requirements_holidays_and_settings(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    """The needs schedule generation plans to (`coverage.needs`): a template raises the
    Tuesday morning's headcount, a holiday the team takes off needs nobody, and screeners
    count on weekends only where the team wants them. Another organization's rules change
    nothing here."""
    morning, night = tenant.shift_types
    saturday = DAY + timedelta(days=4)
    desk = await make_shift_type(session, tenant.team, name="DESK", screeners=1, days=["sat"])
    await make_assignment(session, tenant.analysts[0], morning, DAY)
    await make_assignment(session, tenant.analysts[1], desk, saturday)
    session.add_all(
        [
            CoverageRequirement(
                org_id=tenant.org.id, shift_type_id=morning.id, weekday="tue", required=2
            ),
            Holiday(org_id=tenant.org.id, team_id=tenant.team.id, name="Closed", date=DAY),
        ]
    )
    their_morning = other_tenant.shift_types[0]
    session.add_all(
        [
            CoverageRequirement(
                org_id=other_tenant.org.id, shift_type_id=their_morning.id, weekday="wed", required=0
            ),
            Holiday(org_id=other_tenant.org.id, team_id=other_tenant.team.id, name="X", date=DAY + timedelta(days=1)),
        ]
    )  # fmt: skip
    await session.commit()
    week = (DAY, saturday)

    body = await report(client, tenant.viewer, *week, type="coverage_gap")
    # Tuesday is the team's holiday; Wednesday to Saturday need one each of both shifts.
    gaps = sorted((c["date"], c["shift_type_id"]) for c in body["conflicts"])
    assert gaps == sorted(
        (str(DAY + timedelta(days=n)), shift.id) for n in (1, 2, 3, 4) for shift in (morning, night)
    )
    screeners = await report(client, tenant.viewer, *week, type="missing_screener")
    assert screeners["conflicts"] == []

    session.add(
        TeamScheduleSettings(
            team_id=tenant.team.id, org_id=tenant.org.id, screeners_on_weekends=True,
            holidays_off=False,
        )
    )  # fmt: skip
    await session.commit()

    tuesday = await report(client, tenant.viewer, type="coverage_gap")
    assert {c["shift_type_id"]: c["details"] for c in tuesday["conflicts"]} == {
        morning.id: {"required": 2, "booked": 1, "effective": 1},
        night.id: {"required": 1, "booked": 0, "effective": 0},
    }
    weekend = await report(client, tenant.viewer, saturday, saturday, type="missing_screener")
    assert [(c["shift_type_id"], c["details"]) for c in weekend["conflicts"]] == [
        (desk.id, {"required": 1, "effective": 0})
    ]
