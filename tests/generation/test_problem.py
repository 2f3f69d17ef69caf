"""The problem a job solves, built from the database: each source of data lands where it
should."""

from __future__ import annotations

from datetime import date, time, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.generation import service as generation_service
from shiftplanner.models import (
    AbsenceStatus,
    CoverageRequirement,
    Holiday,
    RequestKind,
    RequestStatus,
    ShiftRequest,
    TeamScheduleSettings,
)
from shiftplanner.scheduling.problem import (
    Assignment,
    Coverage,
    FairnessCounts,
    HistoryDay,
    Problem,
    SkillCover,
    Unavailable,
    Weights,
)
from shiftplanner.scheduling.problem import RequestKind as Kind
from shiftplanner.scheduling.problem import ShiftRequest as Wish
from shiftplanner.security.actor import Actor
from tests.factories import (
    Tenant,
    make_absence,
    make_analyst,
    make_assignment,
    make_shift_type,
    make_team,
)
from tests.generation.conftest import MONDAY, SUNDAY, SmallTeam

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


async def build(
    session: AsyncSession,
    tenant: Tenant,
    small: SmallTeam,
    *,
    replan: bool = False,
    weights: dict[str, int | None] | None = None,
) -> Problem:
    return await generation_service.build_problem(
        session, Actor.system(tenant.org.id), small.team, MONDAY, SUNDAY, replan=replan,
        weights=weights,
    )  # fmt: skip


async def settings_row(session: AsyncSession, small: SmallTeam, **values: object) -> None:
    defaults: dict[str, object] = {
        "weights": {},
        "max_consecutive_screener_days": 2,
        "screeners_on_weekends": False,
        "holidays_off": True,
        "fairness_window_days": 56,
    }
    session.add(
        TeamScheduleSettings(
            team_id=small.team.id, org_id=small.team.org_id, **{**defaults, **values}
        )
    )
    await session.commit()


async def test_shift_types_analysts_contracts_and_rules(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    morning, evening = small_team.shift_types
    night = await make_shift_type(
        session, small_team.team, name="NIGHT", start=time(23), end=time(7)
    )
    night.is_night = True
    retired = await make_shift_type(session, small_team.team, name="RETIRED")
    retired.is_active = False
    morning.forbidden_next_ids = [evening.id, retired.id]
    await make_analyst(session, small_team.team, active=False)
    await make_analyst(session, tenant.team)  # another team's
    small_team.analysts[1].contract = {
        "max_shifts_per_type": {str(morning.id): 3, str(tenant.shift_types[0].id): 2},
        "max_minutes": 2400,
        "max_consecutive_days": 5,
    }
    tenant.org.min_rest_hours = 11
    await session.commit()
    await settings_row(session, small_team, max_consecutive_screener_days=3)

    problem = await build(session, tenant, small_team)

    assert problem.team == small_team.team.name
    assert problem.timezone == small_team.team.timezone
    specs = {s.id: s for s in problem.shift_types}
    assert list(specs) == [morning.id, evening.id, night.id]
    assert specs[morning.id].start == time(7)
    assert specs[morning.id].minutes == 8 * 60
    assert specs[morning.id].forbidden_next == [evening.id]  # the retired one is left out
    assert specs[night.id].minutes == 8 * 60
    assert specs[night.id].is_night
    assert not specs[morning.id].is_night
    assert [a.id for a in problem.analysts] == [a.id for a in small_team.analysts]
    assert problem.analysts[0].skills == ["screener"]
    contract = problem.analysts[1].contract
    assert contract.max_shifts_per_type == {morning.id: 3}  # not another team's shift type
    assert contract.max_minutes == 2400
    assert contract.max_consecutive_days == 5
    assert problem.analysts[2].contract.max_minutes is None
    # Without a limit of its own, a contract has the organization's (conflict detection's).
    assert problem.analysts[2].contract.max_consecutive_days == 6
    assert problem.rules.min_rest_hours == 11
    assert problem.rules.max_consecutive_screener_days == 3
    assert problem.rules.screener_skill == "screener"


async def test_no_night_shift_into_an_approved_absence(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    night = await make_shift_type(
        session, small_team.team, name="NIGHT", start=time(23), end=time(7)
    )
    first, second, third, _ = small_team.analysts
    await make_absence(session, first, day(3), day(4))
    await make_absence(session, second, day(7), day(8))  # starts the day after the range
    await make_absence(session, third, day(3), day(4), status=AbsenceStatus.REQUESTED)
    await session.commit()

    problem = await build(session, tenant, small_team)

    blocked = {a.id: a.unavailable for a in problem.analysts}
    assert blocked[first.id] == [Unavailable(date=day(2), shift_type_id=night.id)]
    assert blocked[second.id] == [Unavailable(date=day(6), shift_type_id=night.id)]
    assert blocked[third.id] == []  # only approved absences


async def test_shifts_too_close_to_one_booked_on_another_team_are_unavailable(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    """Compared in real time against the organization's 10 h of rest, across time zones;
    the booked day itself is a day off."""
    morning, evening = small_team.shift_types  # 07-15 and 15-23, London
    their_morning, their_night = tenant.shift_types  # 07-15 and 23-07, London
    tokyo = await make_team(session, tenant.org, timezone="Asia/Tokyo")
    # 08-16 in Tokyo is 23:00-07:00 in London the evening before.
    tokyo_day = await make_shift_type(session, tokyo, name="DAY", start=time(8), end=time(16))
    first, second, third, fourth = small_team.analysts
    await make_assignment(session, first, their_night, day(2))
    await make_assignment(session, second, their_morning, day(5))
    await make_assignment(session, second, their_morning, day(7))  # the day after the range
    await make_assignment(session, third, their_night, day(-1))  # the day before
    await make_assignment(session, fourth, tokyo_day, day(4))
    await session.commit()

    problem = await build(session, tenant, small_team)

    def cells(analyst_id: int) -> list[tuple[date, int]]:
        analyst = next(a for a in problem.analysts if a.id == analyst_id)
        return [(u.date, u.shift_type_id) for u in analyst.unavailable]

    # Night until 07:00: the next morning rests 0 h, the next evening 8 h.
    assert cells(first.id) == [(day(3), morning.id), (day(3), evening.id)]
    # A morning from 07:00: the evening before ends 8 h earlier.
    assert cells(second.id) == [(day(4), evening.id), (day(6), evening.id)]
    assert cells(third.id) == [(day(0), morning.id), (day(0), evening.id)]
    # Tokyo's Friday day shift is Thursday night in London: Thursday's morning and evening
    # are too close to it (Friday, its local date, is off anyway).
    assert cells(fourth.id) == [(day(3), morning.id), (day(3), evening.id)]
    assert day(4) in next(a for a in problem.analysts if a.id == fourth.id).days_off


async def test_the_organization_caps_consecutive_days(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    small_team.analysts[0].contract = {"max_consecutive_days": 9}
    small_team.analysts[1].contract = {"max_consecutive_days": 3}
    tenant.org.max_consecutive_days = 4
    await session.commit()

    problem = await build(session, tenant, small_team)

    limits = [a.contract.max_consecutive_days for a in problem.analysts]
    assert limits == [4, 3] + [4] * (len(limits) - 2)


async def test_days_off_from_absences_holidays_and_other_teams(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    first, second, third, fourth = small_team.analysts
    await make_absence(session, first, day(-2), day(1))
    await make_absence(session, second, day(0), day(6), status=AbsenceStatus.REQUESTED)
    await make_absence(session, fourth, day(0), day(6), status=AbsenceStatus.REJECTED)
    session.add_all(
        [
            Holiday(org_id=tenant.org.id, team_id=small_team.team.id, name="One", date=day(2)),
            Holiday(
                org_id=tenant.org.id,
                team_id=small_team.team.id,
                name="Every year",
                date=date(2001, day(3).month, day(3).day),
                recurring=True,
            ),
            Holiday(
                org_id=tenant.org.id,
                team_id=small_team.team.id,
                name="Last year only",
                date=day(4) - timedelta(days=365),
            ),
            Holiday(org_id=tenant.org.id, team_id=tenant.team.id, name="Theirs", date=day(5)),
        ]
    )
    # Booked on another team's shift on Friday: not free for this team that day.
    await make_assignment(session, third, tenant.shift_types[0], day(4))
    await session.commit()

    problem = await build(session, tenant, small_team)

    off = {a.id: a.days_off for a in problem.analysts}
    assert off[first.id] == [day(0), day(1), day(2), day(3)]
    assert off[second.id] == [day(2), day(3)]
    assert off[third.id] == [day(2), day(3), day(4)]
    assert off[fourth.id] == [day(2), day(3)]
    # No coverage on the holidays the team takes off.
    assert {c.date for c in problem.coverage} == {day(i) for i in (0, 1, 4, 5, 6)}
    assert problem.locked == []  # the other team's shift is not this problem's

    await settings_row(session, small_team, holidays_off=False)
    working = await build(session, tenant, small_team)
    assert {a.id: a.days_off for a in working.analysts}[second.id] == []
    assert {c.date for c in working.coverage} == {day(i) for i in range(7)}


async def test_coverage_override_beats_template_beats_the_shift_type(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    morning, evening = small_team.shift_types  # MORNING: 1 analyst, 1 screener, every day
    evening.days_of_week = WEEKDAYS
    evening.required_headcount = 2

    def requirement(**fields: object) -> CoverageRequirement:
        return CoverageRequirement(org_id=tenant.org.id, shift_type_id=morning.id, **fields)

    session.add_all(
        [
            requirement(weekday="tue", required=3),
            requirement(date=day(1), required=4, screeners_required=0),
            requirement(
                weekday="wed", required=3, screeners_required=2, hard_min=2, under_weight=500
            ),
            requirement(weekday="sat", required=2, screeners_required=1, over_weight=0),
            requirement(date=day(20), required=9),  # outside the range
            CoverageRequirement(
                org_id=tenant.org.id, shift_type_id=tenant.shift_types[0].id, weekday="mon", required=7
            ),
        ]
    )  # fmt: skip
    await session.commit()

    problem = await build(session, tenant, small_team)
    entries = {(c.date, c.shift_type_id): c for c in problem.coverage}

    def need(offset: int, shift_id: int) -> Coverage:
        return entries[(day(offset), shift_id)]

    assert need(0, morning.id) == Coverage(
        date=day(0), shift_type_id=morning.id, required=1, screeners_required=1
    )
    assert need(1, morning.id).required == 4  # the override, not Tuesday's template
    assert need(1, morning.id).screeners_required == 0
    assert need(2, morning.id) == Coverage(
        date=day(2),
        shift_type_id=morning.id,
        required=3,
        screeners_required=2,
        hard_min=2,
        under_weight=500,
    )
    # Weekends: the template's headcount, but screeners only if the team wants them.
    assert (need(5, morning.id).required, need(5, morning.id).screeners_required) == (2, 0)
    assert need(5, morning.id).over_weight == 0
    assert (need(6, morning.id).required, need(6, morning.id).screeners_required) == (1, 0)
    # EVENING runs on weekdays only, two analysts.
    assert [need(i, evening.id).required for i in range(5)] == [2] * 5
    assert (day(5), evening.id) not in entries
    assert (day(6), evening.id) not in entries
    assert len(problem.coverage) == 12

    await settings_row(session, small_team, screeners_on_weekends=True)
    weekends = await build(session, tenant, small_team)
    entries = {(c.date, c.shift_type_id): c for c in weekends.coverage}
    assert need(5, morning.id).screeners_required == 1
    assert need(6, morning.id).screeners_required == 1


async def test_requests_not_rejected_of_the_team_in_the_range(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    first, second, third, fourth = small_team.analysts
    morning = small_team.shift_types[0]
    retired = await make_shift_type(session, small_team.team, name="RETIRED")
    retired.is_active = False

    def wish(analyst_id: int, offset: int, kind: RequestKind, **fields: object) -> ShiftRequest:
        return ShiftRequest(
            org_id=tenant.org.id, analyst_id=analyst_id, date=day(offset), kind=kind, **fields
        )

    session.add_all(
        [
            wish(first.id, 0, RequestKind.ON, shift_type_id=morning.id),
            wish(second.id, 1, RequestKind.OFF, weight=50, status=RequestStatus.APPROVED),
            wish(third.id, 2, RequestKind.OFF, status=RequestStatus.REJECTED),
            wish(fourth.id, 10, RequestKind.ON),
            wish(fourth.id, 3, RequestKind.ON, shift_type_id=retired.id),
            wish(tenant.analysts[0].id, 3, RequestKind.OFF),
        ]
    )
    await session.commit()

    problem = await build(session, tenant, small_team)

    assert problem.requests == [
        Wish(analyst_id=first.id, date=day(0), shift_type_id=morning.id, kind=Kind.ON),
        Wish(analyst_id=second.id, date=day(1), kind=Kind.OFF, weight=50),
    ]


async def test_history_is_fourteen_known_days_and_fairness_counts_the_window(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    first, second, third, fourth = small_team.analysts
    morning, evening = small_team.shift_types
    night = await make_shift_type(
        session, small_team.team, name="NIGHT", start=time(23), end=time(7)
    )
    night.is_night = True
    their_night = tenant.shift_types[1]
    their_night.is_night = True
    await settings_row(session, small_team, fairness_window_days=28)
    # One weekend (Saturday and Sunday), one screener day, one evening.
    await make_assignment(session, first, morning, day(-2))
    await make_assignment(session, first, morning, day(-1), screener=True)
    await make_assignment(session, first, evening, day(-3))
    # Nights, one on another team's night shift; the last is outside the window.
    await make_assignment(session, second, night, day(-5))
    await make_assignment(session, second, their_night, day(-6))
    await make_assignment(session, second, night, day(-20))
    await make_assignment(session, second, night, day(-40))
    # Screener days: one in the history, one (a Sunday) only in the fairness window.
    await make_assignment(session, third, morning, day(-10), screener=True)
    await make_assignment(session, third, morning, day(-15), screener=True)
    await session.commit()

    problem = await build(session, tenant, small_team)

    known = [day(-14 + i) for i in range(14)]
    for analyst in small_team.analysts:
        assert sorted({h.date for h in problem.history[analyst.id]}) == known
    assert (
        HistoryDay(date=day(-1), shift_type_id=morning.id, is_screener=True)
        in (problem.history[first.id])
    )
    assert HistoryDay(date=day(-4), shift_type_id=None) in problem.history[first.id]
    assert HistoryDay(date=day(-6), shift_type_id=their_night.id) in problem.history[second.id]
    assert all(h.shift_type_id is None for h in problem.history[fourth.id])
    assert problem.fairness_history == {
        first.id: FairnessCounts(weekends=1, nights=0, screener_days=1),
        second.id: FairnessCounts(weekends=0, nights=3, screener_days=0),
        third.id: FairnessCounts(weekends=1, nights=0, screener_days=2),
        fourth.id: FairnessCounts(),
    }


async def test_locked_hint_and_weights(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    first, second = small_team.analysts[:2]
    morning, evening = small_team.shift_types
    kept = await make_assignment(session, first, morning, day(0))
    kept.is_locked = True
    await make_assignment(session, second, evening, day(1))
    await settings_row(session, small_team, weights={"under_cover": 500, "change": 7})

    fresh = await build(session, tenant, small_team)
    assert fresh.locked == [Assignment(analyst_id=first.id, date=day(0), shift_type_id=morning.id)]
    assert fresh.hint is None
    assert fresh.weights == Weights(under_cover=500, change=7)

    # Through the API: the job stores the re-plan's hint and the request's weights.
    created = await client.post(
        "/api/schedules/generate",
        json={
            "team_id": small_team.team.id,
            "start": MONDAY.isoformat(),
            "end": SUNDAY.isoformat(),
            "options": {"replan": True, "weights": {"change": 9, "over_cover": 0}},
        },
        headers=tenant.manager,
    )
    assert created.status_code == 202, created.text
    assert created.json()["options"] == {
        "replan": True,
        "weights": {"change": 9, "over_cover": 0},
    }
    stored = await client.get(
        f"/api/schedules/generate/{created.json()['id']}/problem", headers=tenant.manager
    )
    replan = Problem.model_validate(stored.json())
    assert replan.hint == [
        Assignment(analyst_id=first.id, date=day(0), shift_type_id=morning.id),
        Assignment(analyst_id=second.id, date=day(1), shift_type_id=evening.id),
    ]
    assert replan.locked == fresh.locked
    assert replan.weights == Weights(under_cover=500, change=9, over_cover=0)


async def test_runs_of_a_shift_type_skill_needs_and_contract_limits_reach_the_problem(
    session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    morning, evening = small_team.shift_types
    night = await make_shift_type(
        session, small_team.team, name="NIGHT", start=time(23), end=time(7)
    )
    night.max_consecutive = 3  # at most three nights in a row
    evening.min_consecutive = 2
    first, second = small_team.analysts[:2]
    second.skills = ["senior"]
    second.contract = {
        "max_consecutive_days_off": 4,
        "min_assignments": 2,
        "max_assignments": 5,
        "complete_weekends": True,
        "max_weekends": 53,
    }
    senior = {"skill": "senior", "minimum": 1, "optimal": 2, "under_weight": 70}
    session.add_all(
        [
            CoverageRequirement(
                org_id=tenant.org.id, shift_type_id=night.id, weekday="tue", required=2,
                skills=[senior],
            ),
            CoverageRequirement(
                org_id=tenant.org.id, shift_type_id=night.id, date=day(2), required=1,
                skills=[{**senior, "minimum": 0, "under_weight": None}],
            ),
        ]
    )  # fmt: skip
    covered = await make_assignment(session, second, night, day(1))
    covered.skill = "senior"
    covered.is_locked = True
    await make_assignment(session, first, morning, day(3))
    await session.commit()

    problem = await build(session, tenant, small_team, replan=True)

    specs = {s.id: s for s in problem.shift_types}
    assert (specs[night.id].min_consecutive, specs[night.id].max_consecutive) == (None, 3)
    assert (specs[evening.id].min_consecutive, specs[evening.id].max_consecutive) == (2, None)
    assert (specs[morning.id].min_consecutive, specs[morning.id].max_consecutive) == (None, None)
    contract = problem.analysts[1].contract
    assert contract.max_consecutive_days_off == 4
    assert (contract.min_assignments, contract.max_assignments) == (2, 5)
    assert contract.complete_weekends
    assert contract.max_weekends == 53
    assert problem.analysts[1].skills == ["senior"]
    entries = {(c.date, c.shift_type_id): c for c in problem.coverage}
    assert entries[(day(1), night.id)].skills == [
        SkillCover(skill="senior", minimum=1, optimal=2, under_weight=70)
    ]
    assert entries[(day(2), night.id)].skills == [SkillCover(skill="senior", optimal=2)]
    # A night without a requirement needs the shift type's headcount, and no skill.
    assert entries[(day(3), night.id)].skills == []
    assert entries[(day(1), morning.id)].skills == []
    assert problem.locked == [
        Assignment(analyst_id=second.id, date=day(1), shift_type_id=night.id, skill="senior")
    ]
    assert problem.hint == [
        Assignment(analyst_id=second.id, date=day(1), shift_type_id=night.id, skill="senior"),
        Assignment(analyst_id=first.id, date=day(3), shift_type_id=morning.id),
    ]


async def test_a_null_weight_makes_its_limit_hard_and_a_number_soft(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, small_team: SmallTeam
) -> None:
    put = await client.put(
        f"/api/teams/{small_team.team.id}/schedule-settings",
        json={"weights": {"weekends": 40, "consecutive_shift_type": 15, "skill_short": 60}},
        headers=tenant.manager,
    )
    assert put.status_code == 200, put.text

    problem = await build(session, tenant, small_team)
    assert problem.weights == Weights(weekends=40, consecutive_shift_type=15, skill_short=60)
    assert problem.weights.consecutive_days is None  # never set: hard

    # A run's null makes the team's soft limit hard again; its number softens a hard one.
    run = await build(session, tenant, small_team, weights={"weekends": None, "assignments": 3})
    assert run.weights == Weights(consecutive_shift_type=15, skill_short=60, assignments=3)
