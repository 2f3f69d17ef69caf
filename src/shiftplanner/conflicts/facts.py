"""The plain data the conflict rules look at. Nothing here touches the database: the
service loads facts, the rules are pure functions over them, and tests build facts by
hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any

from shiftplanner.coverage.needs import Need, TeamCoverage
from shiftplanner.kit.time import Interval, Weekday, local_days_interval, shift_interval

DEFAULT_COVERAGE = TeamCoverage()


class ConflictType(StrEnum):
    DOUBLE_BOOKING = "double_booking"
    ABSENCE_OVERLAP = "absence_overlap"
    INACTIVE_ANALYST = "inactive_analyst"
    UNQUALIFIED_SCREENER = "unqualified_screener"
    COVERAGE_GAP = "coverage_gap"
    MISSING_SCREENER = "missing_screener"
    REST_VIOLATION = "rest_violation"
    CONSECUTIVE_DAYS = "consecutive_days"
    SHIFT_NOT_RUNNING = "shift_not_running"
    OTHER_TEAM_SHIFT = "other_team_shift"
    SKILL_SHORT = "skill_short"
    SHIFT_TYPE_RUN = "shift_type_run"
    FORBIDDEN_SUCCESSION = "forbidden_succession"


class Severity(StrEnum):
    ERROR = "error"  # hard: a write that creates one is refused
    WARNING = "warning"  # soft: allowed, and reported


SEVERITY: Mapping[ConflictType, Severity] = {
    ConflictType.DOUBLE_BOOKING: Severity.ERROR,
    ConflictType.ABSENCE_OVERLAP: Severity.ERROR,
    ConflictType.INACTIVE_ANALYST: Severity.ERROR,
    ConflictType.UNQUALIFIED_SCREENER: Severity.ERROR,
    ConflictType.COVERAGE_GAP: Severity.WARNING,
    ConflictType.MISSING_SCREENER: Severity.WARNING,
    ConflictType.REST_VIOLATION: Severity.WARNING,
    ConflictType.CONSECUTIVE_DAYS: Severity.WARNING,
    # Allowed, as schedule generation allows them: a shift on a day nobody is needed
    # costs it as over-cover, and an analyst lent to another team is planned around.
    ConflictType.SHIFT_NOT_RUNNING: Severity.WARNING,
    ConflictType.OTHER_TEAM_SHIFT: Severity.WARNING,
    # Weighed by schedule generation like coverage gaps and runs of work.
    ConflictType.SKILL_SHORT: Severity.WARNING,
    ConflictType.SHIFT_TYPE_RUN: Severity.WARNING,
    # Never planned by schedule generation, like short rest; a lead may still decide to.
    ConflictType.FORBIDDEN_SUCCESSION: Severity.WARNING,
}


@dataclass(frozen=True, slots=True)
class ShiftFacts:
    id: int
    name: str
    team_id: int
    timezone: str
    start_time: time
    end_time: time
    days_of_week: frozenset[Weekday]
    required_headcount: int
    screeners_required: int
    is_active: bool = True
    # The most days in a row an analyst works this shift type; None: no limit.
    max_consecutive: int | None = None
    # The shift types an analyst may not work the day after this one.
    forbidden_next: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class AnalystFacts:
    id: int
    name: str
    team_id: int
    timezone: str
    is_active: bool
    is_screener: bool
    skills: frozenset[str] = frozenset()
    # Their contract's most working days in a row; None: the organization's limit alone.
    max_consecutive_days: int | None = None


@dataclass(frozen=True, slots=True)
class AssignmentFacts:
    """An assignment, saved (positive id) or proposed by the write being checked
    (negative id)."""

    id: int
    analyst_id: int
    shift_type_id: int
    date: date
    is_screener: bool = False
    # The skill the assignment covers (see coverage needs per skill); None: none.
    skill: str | None = None


@dataclass(frozen=True, slots=True)
class AbsenceFacts:
    """An approved absence: whole local days in the analyst's time zone."""

    id: int
    analyst_id: int
    start_date: date
    end_date: date


@dataclass(frozen=True, slots=True)
class Rules:
    min_rest_hours: int = 10
    max_consecutive_days: int = 6


def run_margin(rules: Rules, shifts: Mapping[int, ShiftFacts]) -> timedelta:
    """How far around a window the runs of days judged in it can reach."""
    longest = [shift.max_consecutive for shift in shifts.values() if shift.max_consecutive]
    return timedelta(days=max([rules.max_consecutive_days, *longest]) + 1)


@dataclass(frozen=True)
class Facts:
    shifts: Mapping[int, ShiftFacts]
    analysts: Mapping[int, AnalystFacts]
    assignments: Sequence[AssignmentFacts]
    absences: Sequence[AbsenceFacts] = ()
    rules: Rules = field(default_factory=Rules)
    # Each team's coverage rules, by team id; a team not here has the defaults.
    coverage: Mapping[int, TeamCoverage] = field(default_factory=dict)

    def need(self, shift: ShiftFacts, day: date) -> Need | None:
        """What the shift type needs on the day, as schedule generation plans it."""
        return self.coverage.get(shift.team_id, DEFAULT_COVERAGE).need(shift, day)

    def is_team_holiday(self, shift: ShiftFacts, day: date) -> bool:
        """Whether the day is a holiday the shift type's team takes off."""
        return self.coverage.get(shift.team_id, DEFAULT_COVERAGE).is_holiday(day)

    def interval(self, assignment: AssignmentFacts) -> Interval:
        shift = self.shifts[assignment.shift_type_id]
        return shift_interval(assignment.date, shift.start_time, shift.end_time, shift.timezone)

    def absence_interval(self, absence: AbsenceFacts) -> Interval:
        analyst = self.analysts[absence.analyst_id]
        return local_days_interval(absence.start_date, absence.end_date, analyst.timezone)

    @cached_property
    def by_analyst(self) -> Mapping[int, list[AssignmentFacts]]:
        grouped: dict[int, list[AssignmentFacts]] = {}
        for assignment in self.assignments:
            grouped.setdefault(assignment.analyst_id, []).append(assignment)
        return grouped

    @cached_property
    def absences_by_analyst(self) -> Mapping[int, list[AbsenceFacts]]:
        grouped: dict[int, list[AbsenceFacts]] = {}
        for absence in self.absences:
            grouped.setdefault(absence.analyst_id, []).append(absence)
        return grouped

    def is_absent_during(self, assignment: AssignmentFacts) -> AbsenceFacts | None:
        """The approved absence the assignment's shift overlaps, if any."""
        absences = self.absences_by_analyst.get(assignment.analyst_id)
        if not absences:
            return None
        shift = self.interval(assignment)
        for absence in absences:
            if shift.overlaps(self.absence_interval(absence)):
                return absence
        return None


@dataclass(frozen=True, slots=True)
class Conflict:
    type: ConflictType
    date: date
    message: str
    analyst_id: int | None = None
    shift_type_id: int | None = None
    assignment_ids: tuple[int, ...] = ()
    absence_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.type]

    @property
    def is_hard(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def key(self) -> tuple[object, ...]:
        """Identity across two detections over the same data, to tell new from old."""
        return (
            self.type,
            self.date,
            self.analyst_id,
            self.shift_type_id,
            self.assignment_ids,
            self.absence_id,
        )
