"""The conflict rules as pure functions over hand-built facts (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta

import pytest

from shiftplanner.conflicts.facts import (
    AbsenceFacts,
    AnalystFacts,
    AssignmentFacts,
    Conflict,
    ConflictType,
    Facts,
    Rules,
    Severity,
    ShiftFacts,
)
from shiftplanner.conflicts.rules import detect
from shiftplanner.coverage.needs import Need, TeamCoverage
from shiftplanner.kit.time import Weekday
from shiftplanner.scheduling.problem import SkillCover

LONDON = "Europe/London"
SINGAPORE = "Asia/Singapore"
MON = date(2026, 1, 12)  # a Monday in winter: London is on UTC


def day(offset: int) -> date:
    return MON + timedelta(days=offset)


def shift(id_: int, name: str, start: time, end: time, tz: str = LONDON) -> ShiftFacts:
    """A shift type running every day, needing nobody (tests opt into coverage)."""
    team = 2 if tz == SINGAPORE else 1
    return ShiftFacts(id_, name, team, tz, start, end, frozenset(Weekday), 0, 0)


MORNING = shift(1, "MORNING", time(7), time(15))
NIGHT = shift(2, "NIGHT", time(23), time(7))
EARLY = shift(3, "EARLY", time(5), time(13))
LATE = shift(4, "LATE", time(15), time(23))
SGP_MORNING = shift(5, "SGP MORNING", time(7), time(15), SINGAPORE)
SGP_DAY = shift(6, "SGP DAY", time(14), time(22), SINGAPORE)


def analyst(
    id_: int, *, tz: str = LONDON, active: bool = True, screener: bool = False
) -> AnalystFacts:
    return AnalystFacts(id_, f"Analyst {id_}", 2 if tz == SINGAPORE else 1, tz, active, screener)


ALICE, BOB = analyst(1, screener=True), analyst(2)


@dataclass
class Plan:
    """Facts arranged one assignment at a time; ids are handed out in order."""

    shifts: list[ShiftFacts] = field(
        default_factory=lambda: [MORNING, NIGHT, EARLY, LATE, SGP_MORNING, SGP_DAY]
    )
    analysts: list[AnalystFacts] = field(default_factory=lambda: [ALICE, BOB])
    rules: Rules = field(default_factory=Rules)
    assignments: list[AssignmentFacts] = field(default_factory=list)
    absences: list[AbsenceFacts] = field(default_factory=list)
    coverage: dict[int, TeamCoverage] = field(default_factory=dict)

    def add(
        self,
        who: AnalystFacts,
        what: ShiftFacts,
        day: date,
        *,
        screener: bool = False,
        skill: str | None = None,
    ) -> int:
        id_ = len(self.assignments) + 1
        self.assignments.append(AssignmentFacts(id_, who.id, what.id, day, screener, skill))
        return id_

    def absent(self, who: AnalystFacts, start: date, end: date) -> int:
        id_ = len(self.absences) + 100
        self.absences.append(AbsenceFacts(id_, who.id, start, end))
        return id_

    def facts(self) -> Facts:
        return Facts(
            shifts={s.id: s for s in self.shifts},
            analysts={a.id: a for a in self.analysts},
            assignments=list(self.assignments),
            absences=list(self.absences),
            rules=self.rules,
            coverage=self.coverage,
        )

    def detect(self, first: date, last: date | None = None) -> list[Conflict]:
        return detect(self.facts(), first, last or first)

    def found(self, kind: ConflictType, first: date, last: date | None = None) -> list[Conflict]:
        return [c for c in self.detect(first, last) if c.type is kind]


# --- double bookings ---------------------------------------------------------------------


def test_a_night_shift_overlapping_an_early_shift_next_morning_is_a_double_booking() -> None:
    plan = Plan()
    night = plan.add(ALICE, NIGHT, MON)
    early = plan.add(ALICE, EARLY, day(1))
    plan.add(BOB, EARLY, day(1))  # overlaps Alice's night, but Bob is someone else
    [conflict] = plan.found(ConflictType.DOUBLE_BOOKING, MON, day(1))
    assert conflict.severity is Severity.ERROR
    assert conflict.date == day(1)
    assert conflict.analyst_id == ALICE.id
    assert conflict.assignment_ids == (night, early)
    assert conflict.details == {
        "overlap_start": "2026-01-13T05:00:00+00:00",
        "overlap_end": "2026-01-13T07:00:00+00:00",
    }
    assert not plan.found(ConflictType.REST_VIOLATION, MON, day(1))


def test_night_then_morning_next_day_touches_without_overlap_and_leaves_zero_rest() -> None:
    plan = Plan()
    night = plan.add(ALICE, NIGHT, MON)
    morning = plan.add(ALICE, MORNING, day(1))
    conflicts = plan.detect(MON, day(1))
    assert [c.type for c in conflicts] == [ConflictType.REST_VIOLATION]
    [rest] = conflicts
    assert rest.severity is Severity.WARNING
    assert rest.date == day(1)
    assert rest.assignment_ids == (night, morning)
    assert rest.details == {"rest_hours": 0, "minimum_hours": 10}


def test_time_zones_decide_overlaps_not_how_alike_local_times_look() -> None:
    plan = Plan()
    # London 23:00-07:00 on Monday is Singapore 07:00-15:00 on Tuesday: the same hours.
    london = plan.add(ALICE, NIGHT, MON)
    singapore = plan.add(ALICE, SGP_MORNING, day(1))
    # 07:00-15:00 in Singapore ends (07:00 UTC) just as 07:00-15:00 in London starts.
    plan.add(BOB, SGP_MORNING, MON)
    plan.add(BOB, MORNING, MON)
    found = [(c.type, c.analyst_id, c.date) for c in plan.detect(MON, day(1))]
    assert found == [
        (ConflictType.DOUBLE_BOOKING, ALICE.id, day(1)),
        # London analysts on a Singapore shift type: lent to another team, a warning.
        (ConflictType.OTHER_TEAM_SHIFT, BOB.id, MON),
        (ConflictType.REST_VIOLATION, BOB.id, MON),
        (ConflictType.OTHER_TEAM_SHIFT, ALICE.id, day(1)),
    ]
    double = plan.found(ConflictType.DOUBLE_BOOKING, MON, day(1))[0]
    assert set(double.assignment_ids) == {london, singapore}
    assert double.details["overlap_start"] == "2026-01-12T23:00:00+00:00"
    assert plan.found(ConflictType.REST_VIOLATION, MON)[0].details["rest_hours"] == 0


# --- absences, inactive analysts, screeners ----------------------------------------------


def test_a_shift_during_an_approved_absence_is_an_error() -> None:
    plan = Plan()
    booked = plan.add(BOB, MORNING, day(1))
    absence = plan.absent(BOB, MON, day(2))
    [conflict] = plan.found(ConflictType.ABSENCE_OVERLAP, MON, day(2))
    assert conflict.severity is Severity.ERROR
    assert (conflict.absence_id, conflict.assignment_ids) == (absence, (booked,))
    assert (conflict.analyst_id, conflict.shift_type_id) == (BOB.id, MORNING.id)


def test_a_night_shift_on_the_eve_of_an_absence_overlaps_it_but_day_shifts_around_do_not() -> None:
    plan = Plan()
    night = plan.add(BOB, NIGHT, day(-1))
    plan.add(BOB, MORNING, day(-1))
    plan.add(BOB, MORNING, day(3))
    plan.add(BOB, NIGHT, day(3))  # starts the evening after the absence
    plan.add(ALICE, MORNING, day(1))  # someone else, during Bob's absence
    plan.absent(BOB, MON, day(2))
    [conflict] = plan.found(ConflictType.ABSENCE_OVERLAP, day(-7), day(7))
    assert conflict.assignment_ids == (night,)
    assert conflict.date == day(-1)


def test_an_absence_is_whole_days_in_the_analysts_own_time_zone() -> None:
    # Monday in Singapore begins at 16:00 UTC on Sunday, during London's Sunday LATE shift.
    sgp_analyst = analyst(3, tz=SINGAPORE)
    plan = Plan(analysts=[ALICE, BOB, sgp_analyst])
    late = plan.add(sgp_analyst, LATE, day(-1))
    plan.absent(sgp_analyst, MON, MON)
    [conflict] = plan.found(ConflictType.ABSENCE_OVERLAP, day(-1), MON)
    assert conflict.assignment_ids == (late,)


@pytest.mark.parametrize(
    ("who", "duty", "expected"),
    [
        (analyst(3, active=False), False, ConflictType.INACTIVE_ANALYST),
        (analyst(3, active=True), False, None),
        (BOB, True, ConflictType.UNQUALIFIED_SCREENER),
        (ALICE, True, None),
    ],
    ids=["inactive", "active", "duty-without-skill", "duty-with-skill"],
)
def test_inactive_analysts_and_screener_duty_without_the_skill_are_errors(
    who: AnalystFacts, duty: bool, expected: ConflictType | None
) -> None:
    plan = Plan(analysts=[who])
    booked = plan.add(who, MORNING, MON, screener=duty)
    found = [(c.type, c.severity, c.analyst_id, c.assignment_ids) for c in plan.detect(MON)]
    assert found == ([(expected, Severity.ERROR, who.id, (booked,))] if expected else [])


# --- coverage ----------------------------------------------------------------------------

COVERED = replace(shift(7, "DESK", time(9), time(17)), required_headcount=2, screeners_required=1)


def test_a_shift_short_of_analysts_is_a_coverage_gap_warning() -> None:
    plan = Plan(shifts=[COVERED])
    booked = plan.add(ALICE, COVERED, MON, screener=True)
    [gap] = plan.found(ConflictType.COVERAGE_GAP, MON)
    assert gap.severity is Severity.WARNING
    assert (gap.shift_type_id, gap.date, gap.assignment_ids) == (COVERED.id, MON, (booked,))
    assert gap.details == {"required": 2, "booked": 1, "effective": 1}
    plan.add(BOB, COVERED, MON)
    assert plan.detect(MON) == []


@pytest.mark.parametrize("why", ["absent", "inactive"])
def test_absent_or_inactive_analysts_do_not_cover_a_shift(why: str) -> None:
    carol = analyst(3, active=why != "inactive")
    plan = Plan(shifts=[COVERED], analysts=[ALICE, carol])
    plan.add(ALICE, COVERED, MON, screener=True)
    plan.add(carol, COVERED, MON)
    if why == "absent":
        plan.absent(carol, MON, MON)
    [gap] = plan.found(ConflictType.COVERAGE_GAP, MON)
    assert gap.details == {"required": 2, "booked": 2, "effective": 1}


def test_shift_types_need_coverage_only_on_their_days_and_only_while_active() -> None:
    weekdays = frozenset({Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI})
    office = replace(
        shift(8, "OFFICE", time(9), time(17)), days_of_week=weekdays, required_headcount=1
    )
    retired = replace(shift(9, "RETIRED", time(9), time(17)), required_headcount=1, is_active=False)
    plan = Plan(shifts=[office, retired])
    saturday, sunday = day(-2), day(-1)
    gaps = plan.found(ConflictType.COVERAGE_GAP, saturday, day(1))
    assert [(g.shift_type_id, g.date) for g in gaps] == [(8, MON), (8, day(1))]
    assert all(g.date not in (saturday, sunday) for g in gaps)


@pytest.mark.parametrize(("on_duty", "missing"), [(BOB, True), (ALICE, False)])
def test_only_a_screener_duty_by_a_skilled_analyst_counts_as_a_screener(
    on_duty: AnalystFacts, missing: bool
) -> None:
    plan = Plan(shifts=[COVERED])
    plan.add(BOB, COVERED, MON, screener=on_duty is BOB)
    plan.add(ALICE, COVERED, MON, screener=on_duty is ALICE)
    found = plan.found(ConflictType.MISSING_SCREENER, MON)
    assert plan.found(ConflictType.COVERAGE_GAP, MON) == []
    assert [(c.severity, dict(c.details)) for c in found] == (
        [(Severity.WARNING, {"required": 1, "effective": 0})] if missing else []
    )


def test_a_shift_day_short_of_a_skill_it_needs_is_a_warning_counting_who_has_the_skill() -> None:
    """Covering a skill takes an assignment naming it by an analyst who has it (a skill
    removed from the analyst since no longer counts); short of `optimal` is reported."""
    triage = SkillCover(skill="triage", minimum=1, optimal=2)
    need = Need(required=0, skills=(triage,))
    coverage = {COVERED.team_id: TeamCoverage(templates={(COVERED.id, "mon"): need})}
    alice, carol = replace(ALICE, skills=frozenset({"triage"})), analyst(3)
    plan = Plan(shifts=[COVERED], analysts=[alice, BOB, carol], coverage=coverage)
    first = plan.add(alice, COVERED, MON, skill="triage")
    plan.add(BOB, COVERED, MON, skill="triage")  # Bob lacks it
    plan.add(carol, COVERED, MON)
    [short] = plan.found(ConflictType.SKILL_SHORT, MON)
    assert short.severity is Severity.WARNING
    assert (short.shift_type_id, short.date) == (COVERED.id, MON)
    assert short.details == {"skill": "triage", "minimum": 1, "optimal": 2, "effective": 1}
    assert first in short.assignment_ids
    assert "1 of 2 analysts covering triage" in short.message
    plan.analysts[2] = replace(carol, skills=frozenset({"triage"}))
    plan.assignments[2] = replace(plan.assignments[2], skill="triage")
    assert plan.found(ConflictType.SKILL_SHORT, MON) == []
    assert plan.found(ConflictType.SKILL_SHORT, day(1)) == []  # no need on Tuesdays


# --- rest --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_start", "violation"),
    [(time(1), False), (time(0, 59), True)],
    ids=["exactly-10h", "one-minute-short"],
)
def test_rest_exactly_at_the_minimum_is_fine_and_a_minute_less_is_not(
    next_start: time, violation: bool
) -> None:
    after = shift(10, "AFTER", next_start, time(9))
    plan = Plan(shifts=[MORNING, after])
    plan.add(ALICE, MORNING, MON)
    plan.add(ALICE, after, day(1))
    found = plan.found(ConflictType.REST_VIOLATION, MON, day(1))
    assert len(found) == int(violation)
    if violation:
        assert found[0].details == {"rest_hours": 9.98, "minimum_hours": 10}


@pytest.mark.parametrize(("minimum", "violation"), [(8, False), (10, True)])
def test_the_minimum_rest_is_the_organizations_rule(minimum: int, violation: bool) -> None:
    plan = Plan(rules=Rules(min_rest_hours=minimum))
    plan.add(ALICE, MORNING, MON)
    plan.add(ALICE, NIGHT, MON)  # 15:00 -> 23:00: 8 h
    assert bool(plan.found(ConflictType.REST_VIOLATION, MON)) is violation


# --- daylight saving time (Europe/London) ------------------------------------------------

SPRING, FALL = date(2026, 3, 29), date(2026, 10, 25)


@pytest.mark.parametrize(
    ("night", "overlaps"),
    [
        (SPRING - timedelta(days=8), True),  # London night ends 07:00 UTC
        (SPRING - timedelta(days=1), False),  # 7 h night ends 06:00 UTC
        (FALL - timedelta(days=8), False),  # summer: ends 06:00 UTC
        (FALL - timedelta(days=1), True),  # 9 h night ends 07:00 UTC
    ],
)
def test_dst_decides_whether_a_london_night_overlaps_a_singapore_day(
    night: date, overlaps: bool
) -> None:
    # The Singapore day shift starts at 14:00 SGT, 06:00 UTC, all year round.
    plan = Plan()
    plan.add(ALICE, NIGHT, night)
    plan.add(ALICE, SGP_DAY, night + timedelta(days=1))
    kinds = {c.type for c in plan.detect(night, night + timedelta(days=1))}
    assert (ConflictType.DOUBLE_BOOKING in kinds) is overlaps
    assert (ConflictType.REST_VIOLATION in kinds) is not overlaps


@pytest.mark.parametrize(
    ("late", "rest"), [(SPRING - timedelta(days=1), 9), (FALL - timedelta(days=1), None)]
)
def test_rest_across_a_dst_change_is_measured_in_real_hours(late: date, rest: int | None) -> None:
    # 23:00 -> 09:00 is 10 h on the wall clock; 9 h in spring, 11 h in autumn.
    after = shift(11, "LATE MORNING", time(9), time(17))
    plan = Plan(shifts=[LATE, after])
    plan.add(ALICE, LATE, late)
    plan.add(ALICE, after, late + timedelta(days=1))
    found = plan.found(ConflictType.REST_VIOLATION, late, late + timedelta(days=1))
    assert [c.details["rest_hours"] for c in found] == ([rest] if rest else [])


# --- consecutive days --------------------------------------------------------------------


def work(plan: Plan, who: AnalystFacts, first: date, count: int) -> list[int]:
    return [plan.add(who, MORNING, first + timedelta(days=n)) for n in range(count)]


def test_a_run_beyond_the_limit_is_one_warning_dated_on_the_first_day_too_many() -> None:
    plan = Plan()
    ids = work(plan, ALICE, MON, 9)
    [conflict] = plan.found(ConflictType.CONSECUTIVE_DAYS, MON, day(30))
    assert conflict.severity is Severity.WARNING
    assert conflict.date == day(6)
    assert conflict.assignment_ids == tuple(ids)
    assert conflict.details == {"days": 9, "limit": 6, "first": "2026-01-12", "last": "2026-01-20"}


def test_each_run_beyond_the_limit_is_reported_and_the_limit_is_the_organizations() -> None:
    plan = Plan(rules=Rules(max_consecutive_days=3))
    work(plan, ALICE, MON, 4)
    work(plan, ALICE, day(5), 3)  # a day off, then 3 days: fine
    plan.add(ALICE, NIGHT, day(7))  # two shifts on one day are still one day
    work(plan, ALICE, day(9), 5)
    found = plan.found(ConflictType.CONSECUTIVE_DAYS, MON, day(30))
    assert [c.date for c in found] == [day(3), day(12)]


def test_a_contract_stricter_than_the_organization_limits_its_analyst_alone() -> None:
    carol = replace(analyst(3), max_consecutive_days=3)
    lenient = replace(analyst(4), max_consecutive_days=9)  # the organization's 6 still holds
    plan = Plan(analysts=[ALICE, BOB, carol, lenient])
    for who in (ALICE, carol, lenient):
        work(plan, who, MON, 7)
    found = plan.found(ConflictType.CONSECUTIVE_DAYS, MON, day(30))
    assert [(c.analyst_id, c.date, c.details["limit"]) for c in found] == [
        (carol.id, day(3), 3),
        (ALICE.id, day(6), 6),
        (lenient.id, day(6), 6),
    ]
    assert found[0].message.endswith("their contract's limit is 3")
    assert found[1].message.endswith("the limit is 6")


@pytest.mark.parametrize(("window_from", "reported"), [(4, True), (6, True), (7, False)])
def test_a_run_that_started_before_the_window_counts_its_earlier_days(
    window_from: int, reported: bool
) -> None:
    plan = Plan()
    work(plan, ALICE, MON, 9)
    first = day(window_from)
    found = plan.found(ConflictType.CONSECUTIVE_DAYS, first, first + timedelta(days=30))
    assert [c.date for c in found] == ([day(6)] if reported else [])


def test_a_run_on_one_shift_type_beyond_its_limit_is_a_warning_other_types_break_it() -> None:
    nights = replace(NIGHT, max_consecutive=2)
    plan = Plan(shifts=[MORNING, nights])
    ids = [plan.add(ALICE, nights, day(n)) for n in range(3)]
    plan.add(ALICE, MORNING, day(3))  # a morning ends the run of nights
    plan.add(ALICE, nights, day(4))
    plan.add(ALICE, nights, day(5))
    plan.add(BOB, nights, day(0))
    plan.add(BOB, nights, day(1))
    [run] = plan.found(ConflictType.SHIFT_TYPE_RUN, MON, day(30))
    assert run.severity is Severity.WARNING
    assert (run.date, run.analyst_id, run.shift_type_id) == (day(2), ALICE.id, nights.id)
    assert run.assignment_ids == tuple(ids)
    assert run.details == {"days": 3, "limit": 2, "first": "2026-01-12", "last": "2026-01-14"}
    assert plan.found(ConflictType.SHIFT_TYPE_RUN, day(3), day(30)) == []  # dated before


def test_a_shift_type_the_day_after_one_that_may_not_be_followed_by_it_is_a_warning() -> None:
    """LATE may not be followed by EARLY (the team's shift sequences), though 6 h of rest
    is not short here: the ban alone is reported, on the second day, for that pair only."""
    late = replace(LATE, forbidden_next=frozenset({EARLY.id}))
    plan = Plan(shifts=[MORNING, EARLY, late], rules=Rules(min_rest_hours=6))
    evening = plan.add(ALICE, late, day(0))
    early = plan.add(ALICE, EARLY, day(1))
    plan.add(ALICE, late, day(2))
    plan.add(ALICE, MORNING, day(3))  # allowed after LATE
    plan.add(BOB, late, day(0))
    plan.add(BOB, EARLY, day(2))  # two days later: allowed
    [banned] = plan.found(ConflictType.FORBIDDEN_SUCCESSION, MON, day(30))
    assert banned.severity is Severity.WARNING
    assert (banned.date, banned.analyst_id, banned.shift_type_id) == (day(1), ALICE.id, EARLY.id)
    assert banned.assignment_ids == (evening, early)
    assert banned.message == (
        "Analyst 1 works LATE on 2026-01-12 and EARLY the next day; "
        "LATE may not be followed by EARLY"
    )
    assert banned.details == {"first_shift_type_id": late.id, "next_shift_type_id": EARLY.id}
    assert plan.detect(MON, day(30)) == [banned]
    # Dated on the second day: a window from the first day's successor on still has it,
    # one that ends on the first day does not.
    assert plan.found(ConflictType.FORBIDDEN_SUCCESSION, day(1)) == [banned]
    assert plan.found(ConflictType.FORBIDDEN_SUCCESSION, MON) == []


# --- severity, order, window -------------------------------------------------------------


def test_detect_lists_errors_first_then_warnings_each_by_date() -> None:
    gone = analyst(3, active=False)
    desk = replace(shift(12, "DESK", time(9), time(17)), required_headcount=1)
    plan = Plan(shifts=[MORNING, NIGHT, desk], analysts=[ALICE, BOB, gone])
    for offset in range(3):
        plan.add(BOB, desk, day(offset))
    plan.add(ALICE, NIGHT, MON)
    plan.add(ALICE, MORNING, day(1))  # rest violation on Tue
    plan.add(gone, MORNING, day(1))  # inactive on Tue
    plan.add(BOB, MORNING, day(2), screener=True)  # double + unqualified
    plan.absent(BOB, day(2), day(2))
    conflicts = plan.detect(MON, day(2))
    assert [(c.date - MON).days for c in conflicts] == [1, 2, 2, 2, 2, 1, 2]
    expected = (
        "inactive_analyst absence_overlap absence_overlap double_booking "
        "unqualified_screener rest_violation coverage_gap"
    )
    assert [c.type.value for c in conflicts] == expected.split()
    assert [c.severity for c in conflicts] == [Severity.ERROR] * 5 + [Severity.WARNING] * 2


JAN_31, FEB_1 = date(2026, 1, 31), date(2026, 2, 1)


def test_a_night_shift_into_a_new_month_is_judged_against_the_next_morning() -> None:
    plan = Plan()
    night = plan.add(ALICE, NIGHT, JAN_31)
    morning = plan.add(ALICE, MORNING, FEB_1)
    plan.add(BOB, NIGHT, JAN_31)
    plan.absent(BOB, FEB_1, FEB_1 + timedelta(days=6))
    february = plan.detect(FEB_1, date(2026, 2, 28))
    assert [(c.type, c.date, c.assignment_ids) for c in february] == [
        (ConflictType.REST_VIOLATION, FEB_1, (night, morning))
    ]
    january = plan.detect(date(2026, 1, 1), JAN_31)
    assert [(c.type, c.date, c.analyst_id) for c in january] == [
        (ConflictType.ABSENCE_OVERLAP, JAN_31, BOB.id)
    ]


def test_conflicts_are_reported_only_in_windows_that_contain_their_date() -> None:
    gone, carol, dave = analyst(3, active=False), analyst(4), analyst(5)
    desk = replace(COVERED, id=12, required_headcount=1)
    monday_to_friday = frozenset(list(Weekday)[:5])
    weekdays = replace(MORNING, id=13, name="WEEKDAY", days_of_week=monday_to_friday)
    once = replace(LATE, id=15, name="ONCE IN A ROW", max_consecutive=1)
    triage = Need(required=1, skills=(SkillCover(skill="triage", optimal=1),))
    nights = replace(NIGHT, forbidden_next=frozenset({MORNING.id}))  # BOB's, below
    plan = Plan(
        shifts=[MORNING, nights, EARLY, desk, weekdays, SGP_MORNING, once],
        analysts=[ALICE, BOB, gone, carol, dave],
        coverage={desk.team_id: TeamCoverage(templates={(desk.id, "sun"): triage})},
    )
    plan.add(dave, once, FEB_1)
    plan.add(dave, once, FEB_1 + timedelta(days=1))
    plan.add(carol, weekdays, JAN_31)  # a Saturday: the shift type does not run
    plan.add(carol, SGP_MORNING, FEB_1 + timedelta(days=1))  # another team's
    plan.add(ALICE, NIGHT, JAN_31)
    plan.add(ALICE, EARLY, FEB_1)  # double booking across midnight and month
    plan.add(BOB, NIGHT, JAN_31 - timedelta(days=1))
    plan.add(BOB, MORNING, JAN_31, screener=True)
    plan.add(gone, desk, FEB_1)
    plan.absent(BOB, FEB_1, FEB_1)
    plan.add(BOB, NIGHT, JAN_31)  # absence overlap on the eve
    work(plan, ALICE, JAN_31 - timedelta(days=8), 7)
    first, last = JAN_31 - timedelta(days=3), FEB_1 + timedelta(days=1)
    whole = plan.detect(first, last)
    assert {c.type for c in whole} == set(ConflictType)
    by_day = []
    for offset in range((last - first).days + 1):
        each = first + timedelta(days=offset)
        found = plan.detect(each)
        assert [c for c in found if c.date != each] == []
        by_day += found
    assert sorted(c.key for c in by_day) == sorted(c.key for c in whole)


# --- shifts on days they do not run, shifts of other teams -------------------------------

WEEKDAY_ONLY = replace(MORNING, id=14, name="WEEKDAY", days_of_week=frozenset(list(Weekday)[:5]))


def test_a_shift_on_a_day_its_shift_type_does_not_run_is_a_warning() -> None:
    plan = Plan(shifts=[WEEKDAY_ONLY])
    saturday = plan.add(BOB, WEEKDAY_ONLY, day(5))
    plan.add(ALICE, WEEKDAY_ONLY, MON)
    [conflict] = plan.detect(MON, day(6))
    assert (conflict.type, conflict.severity) == (ConflictType.SHIFT_NOT_RUNNING, Severity.WARNING)
    assert (conflict.analyst_id, conflict.assignment_ids) == (BOB.id, (saturday,))
    assert "Saturday" in conflict.message
    # A date override opens the shift type on that day: it runs, nothing to say.
    opened = TeamCoverage(overrides={(WEEKDAY_ONLY.id, day(5)): Need(1)})
    assert detect(replace(plan.facts(), coverage={1: opened}), MON, day(6)) == []


def test_a_shift_on_a_holiday_the_team_takes_off_is_a_warning() -> None:
    plan = Plan(shifts=[WEEKDAY_ONLY])
    plan.add(BOB, WEEKDAY_ONLY, MON)
    facts = replace(plan.facts(), coverage={1: TeamCoverage(holiday_dates=frozenset({MON}))})
    [conflict] = detect(facts, MON, MON)
    assert conflict.type is ConflictType.SHIFT_NOT_RUNNING
    assert "holiday" in conflict.message


def test_a_shift_of_another_teams_shift_type_is_a_warning_naming_both_teams() -> None:
    plan = Plan()
    lent = plan.add(ALICE, SGP_MORNING, MON)
    plan.add(BOB, MORNING, MON)
    [conflict] = plan.detect(MON)
    assert (conflict.type, conflict.severity) == (ConflictType.OTHER_TEAM_SHIFT, Severity.WARNING)
    assert (conflict.analyst_id, conflict.assignment_ids) == (ALICE.id, (lent,))
    assert conflict.details == {"analyst_team_id": 1, "shift_team_id": 2}
