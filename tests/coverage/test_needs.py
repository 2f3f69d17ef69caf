"""What a shift type needs on a day (`coverage.needs`), from plain rows: the rules that
schedule generation and conflict detection share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shiftplanner.coverage.needs import Need, TeamCoverage
from shiftplanner.scheduling.problem import SkillCover

MONDAY = date(2028, 2, 21)  # 2028 is a leap year: Tuesday 29 February is in this week


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


@dataclass(frozen=True)
class Shift:
    id: int = 1
    days_of_week: frozenset[str] = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
    required_headcount: int = 2
    screeners_required: int = 1


@dataclass(frozen=True)
class Requirement:
    required: int
    weekday: str | None = None
    date: date | None = None
    shift_type_id: int = 1
    screeners_required: int = 0
    hard_min: int | None = None
    under_weight: int | None = None
    over_weight: int | None = None
    skills: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class Settings:
    screeners_on_weekends: bool = False
    holidays_off: bool = True


@dataclass(frozen=True)
class Holiday:
    date: date
    recurring: bool = False


def test_without_rules_a_shift_type_needs_its_headcount_and_weekday_screeners() -> None:
    shift = Shift(days_of_week=frozenset({"mon", "sat"}))
    rules = TeamCoverage()

    assert rules.need(shift, day(0)) == Need(required=2, screeners_required=1)
    assert rules.need(shift, day(1)) is None  # does not run on Tuesdays
    assert rules.need(shift, day(5)) == Need(required=2, screeners_required=0)
    weekends = TeamCoverage.of(settings=Settings(screeners_on_weekends=True))
    assert weekends.need(shift, day(5)) == Need(required=2, screeners_required=1)


def test_an_override_beats_the_template_which_beats_the_shift_type() -> None:
    rules = TeamCoverage.of(
        [
            Requirement(weekday="tue", required=3, screeners_required=2, hard_min=1),
            Requirement(date=day(1), required=5, under_weight=500),
            Requirement(weekday="wed", required=0),
            Requirement(weekday="sun", required=4, screeners_required=1),
            Requirement(weekday="mon", required=9, shift_type_id=2),  # another shift type's
        ]
    )
    shift = Shift(days_of_week=frozenset({"mon"}))

    assert rules.need(shift, day(0)) == Need(required=2, screeners_required=1)
    assert rules.need(shift, day(1)) == Need(required=5, under_weight=500)
    assert rules.need(shift, day(8)) == Need(required=3, screeners_required=2, hard_min=1)
    # A template also makes a shift type run on a day it otherwise does not.
    assert rules.need(shift, day(2)) == Need(required=0)
    assert rules.need(shift, day(6)) == Need(required=4, screeners_required=0)
    assert rules.need(shift, day(3)) is None


def test_nothing_is_needed_on_a_holiday_the_team_takes_off() -> None:
    holidays = [
        Holiday(day(0)),
        Holiday(date(2001, 2, 28)),  # not recurring: another year only
        Holiday(date(2024, 2, 29), recurring=True),  # leap years only
        Holiday(date(1999, 3, 3), recurring=True),
    ]
    rules = TeamCoverage.of([Requirement(date=day(0), required=3)], holidays)
    shift = Shift()

    assert rules.holidays_in(day(0), day(13)) == {day(0), date(2028, 2, 29), date(2028, 3, 3)}
    assert [offset for offset in range(14) if rules.need(shift, day(offset)) is None] == [0, 8, 11]
    assert (
        TeamCoverage.of(holidays=[Holiday(date(2024, 2, 29), True)]).holidays_in(
            date(2027, 1, 1), date(2027, 12, 31)
        )
        == set()
    )

    working = TeamCoverage.of(
        [Requirement(date=day(0), required=3)], holidays, Settings(holidays_off=False)
    )
    assert working.holidays_in(day(0), day(13)) == set()
    assert working.need(shift, day(0)) == Need(required=3)


def test_skill_needs_come_with_the_requirement_that_states_them() -> None:
    senior = {"skill": "senior", "minimum": 1, "optimal": 2, "under_weight": None}
    triage = {"skill": "triage", "minimum": 0, "optimal": 1, "under_weight": 40}
    rules = TeamCoverage.of(
        [
            Requirement(weekday="mon", required=3, skills=[senior, triage]),
            Requirement(weekday="sat", required=2, screeners_required=1, skills=[senior]),
            Requirement(date=day(7), required=1),  # the override needs no skill
        ]
    )
    shift = Shift()

    monday = rules.need(shift, day(0))
    assert monday is not None
    assert monday.skills == (SkillCover.model_validate(senior), SkillCover.model_validate(triage))
    # Without screeners on weekends the weekend's need keeps its skills.
    assert rules.need(shift, day(5)) == Need(
        required=2, screeners_required=0, skills=(SkillCover(skill="senior", minimum=1, optimal=2),)
    )
    assert rules.need(shift, day(7)) == Need(required=1)
    # The shift type's own headcount needs no skill.
    tuesday = rules.need(shift, day(1))
    assert tuesday is not None
    assert tuesday.skills == ()
