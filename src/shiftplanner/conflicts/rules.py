"""The conflict rules: one pure function each, registered in `RULES`.

Every rule looks at `Facts` and yields the conflicts whose day falls in the window it is
given. Shift times are turned into UTC intervals in the shift's team time zone, so night
shifts across midnight, teams in other time zones and DST changes are judged by the real
hours people work."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from shiftplanner.conflicts.facts import (
    AbsenceFacts,
    AssignmentFacts,
    Conflict,
    ConflictType,
    Facts,
    ShiftFacts,
)
from shiftplanner.coverage.needs import Need

Rule = Callable[[Facts, date, date], Iterator[Conflict]]


def _in_window(day: date, first: date, last: date) -> bool:
    return first <= day <= last


def _by_start(facts: Facts, assignments: Iterable[AssignmentFacts]) -> list[AssignmentFacts]:
    return sorted(assignments, key=lambda a: (facts.interval(a).start, a.id))


def double_bookings(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """Two shifts of one analyst that overlap in time."""
    for analyst_id, assignments in facts.by_analyst.items():
        ordered = _by_start(facts, assignments)
        for index, earlier in enumerate(ordered):
            earlier_span = facts.interval(earlier)
            for later in ordered[index + 1 :]:
                later_span = facts.interval(later)
                if later_span.start >= earlier_span.end:
                    break
                # Dated on the later of the two days, and reported in that day's window only.
                day = max(earlier.date, later.date)
                if not _in_window(day, first, last):
                    continue
                yield Conflict(
                    type=ConflictType.DOUBLE_BOOKING,
                    date=day,
                    analyst_id=analyst_id,
                    assignment_ids=(earlier.id, later.id),
                    message=(
                        f"{facts.analysts[analyst_id].name} is booked on "
                        f"{facts.shifts[earlier.shift_type_id].name} ({earlier.date}) and "
                        f"{facts.shifts[later.shift_type_id].name} ({later.date}), which overlap"
                    ),
                    details={
                        "overlap_start": max(earlier_span.start, later_span.start).isoformat(),
                        "overlap_end": min(earlier_span.end, later_span.end).isoformat(),
                    },
                )


def absence_overlaps(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """A shift during an approved absence of its analyst."""
    for assignment in facts.assignments:
        if not _in_window(assignment.date, first, last):
            continue
        absence = facts.is_absent_during(assignment)
        if absence is None:
            continue
        yield Conflict(
            type=ConflictType.ABSENCE_OVERLAP,
            date=assignment.date,
            analyst_id=assignment.analyst_id,
            shift_type_id=assignment.shift_type_id,
            assignment_ids=(assignment.id,),
            absence_id=absence.id,
            message=absence_overlap_message(
                facts, assignment.analyst_id, assignment.shift_type_id, assignment.date, absence
            ),
        )


def absence_overlap_message(
    facts: Facts, analyst_id: int, shift_type_id: int, day: date, absence: AbsenceFacts | None
) -> str:
    """What an absence overlap says; without `absence`, nothing of the absence itself
    (for a caller who may not see it)."""
    who = facts.analysts[analyst_id].name
    booked = f"booked on {facts.shifts[shift_type_id].name} ({day})"
    if absence is None:
        return f"{who} is {booked} while absent"
    return f"{who} is absent {absence.start_date}..{absence.end_date} but {booked}"


def inactive_analysts(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """A shift of an analyst who is no longer active."""
    for assignment in facts.assignments:
        analyst = facts.analysts[assignment.analyst_id]
        if analyst.is_active or not _in_window(assignment.date, first, last):
            continue
        yield Conflict(
            type=ConflictType.INACTIVE_ANALYST,
            date=assignment.date,
            analyst_id=analyst.id,
            shift_type_id=assignment.shift_type_id,
            assignment_ids=(assignment.id,),
            message=f"{analyst.name} is inactive but booked on {assignment.date}",
        )


def unqualified_screeners(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """Screener duty given to an analyst without the screener skill."""
    for assignment in facts.assignments:
        analyst = facts.analysts[assignment.analyst_id]
        if not assignment.is_screener or analyst.is_screener:
            continue
        if not _in_window(assignment.date, first, last):
            continue
        yield Conflict(
            type=ConflictType.UNQUALIFIED_SCREENER,
            date=assignment.date,
            analyst_id=analyst.id,
            shift_type_id=assignment.shift_type_id,
            assignment_ids=(assignment.id,),
            message=f"{analyst.name} has screener duty on {assignment.date} without the screener skill",
        )


def shifts_not_running(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """A shift on a day its shift type does not run: a weekday not among its days (and
    no coverage requirement opening it that day), or a holiday its team takes off. The
    coverage rules need nobody there; schedule generation counts it as over-cover."""
    for assignment in facts.assignments:
        if not _in_window(assignment.date, first, last):
            continue
        shift = facts.shifts[assignment.shift_type_id]
        if not shift.is_active or facts.need(shift, assignment.date) is not None:
            continue
        day = assignment.date
        why = (
            "a holiday its team takes off"
            if facts.is_team_holiday(shift, day)
            else f"a {day:%A}, not one of its days"
        )
        yield Conflict(
            type=ConflictType.SHIFT_NOT_RUNNING,
            date=day,
            analyst_id=assignment.analyst_id,
            shift_type_id=shift.id,
            assignment_ids=(assignment.id,),
            message=(
                f"{facts.analysts[assignment.analyst_id].name} is booked on {shift.name} "
                f"({day}), which does not run that day: {why}"
            ),
        )


def other_team_shifts(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """A shift of another team's shift type than the analyst's own: allowed (lending an
    analyst to another site), and said, since the own team's generation plans around it
    as a day off."""
    for assignment in facts.assignments:
        analyst = facts.analysts[assignment.analyst_id]
        shift = facts.shifts[assignment.shift_type_id]
        if shift.team_id == analyst.team_id or not _in_window(assignment.date, first, last):
            continue
        yield Conflict(
            type=ConflictType.OTHER_TEAM_SHIFT,
            date=assignment.date,
            analyst_id=analyst.id,
            shift_type_id=shift.id,
            assignment_ids=(assignment.id,),
            message=(
                f"{analyst.name} is booked on {shift.name} ({assignment.date}), "
                "a shift type of another team"
            ),
            details={"analyst_team_id": analyst.team_id, "shift_team_id": shift.team_id},
        )


def _effective(facts: Facts, assignment: AssignmentFacts) -> bool:
    """Whether the assignment really puts someone on the shift."""
    return (
        facts.analysts[assignment.analyst_id].is_active
        and facts.is_absent_during(assignment) is None
    )


@dataclass(frozen=True, slots=True)
class ShiftDayCoverage:
    """One shift on one day it runs: what it needs, and who is booked on it."""

    shift: ShiftFacts
    date: date
    need: Need
    booked: tuple[AssignmentFacts, ...]
    # Booked, present and active: who counts.
    effective: int
    screeners: int
    # Of them, how many cover each skill the need names (an assignment naming a skill
    # its analyst has).
    skills: Mapping[str, int]


def coverage_days(facts: Facts, first: date, last: date) -> Iterator[ShiftDayCoverage]:
    """Every active shift on every day `first`..`last` it runs (see `coverage.needs`), with
    its effective analysts and screeners: absent or inactive analysts do not count."""
    by_shift_day: dict[tuple[int, date], list[AssignmentFacts]] = {}
    for assignment in facts.assignments:
        by_shift_day.setdefault((assignment.shift_type_id, assignment.date), []).append(assignment)
    day = first
    while day <= last:
        for shift in facts.shifts.values():
            need = facts.need(shift, day) if shift.is_active else None
            if need is None:
                continue
            booked = tuple(by_shift_day.get((shift.id, day), ()))
            effective = [a for a in booked if _effective(facts, a)]
            screeners = [
                a for a in effective if a.is_screener and facts.analysts[a.analyst_id].is_screener
            ]
            skills = {
                cover.skill: sum(
                    a.skill == cover.skill and cover.skill in facts.analysts[a.analyst_id].skills
                    for a in effective
                )
                for cover in need.skills
            }
            yield ShiftDayCoverage(shift, day, need, booked, len(effective), len(screeners), skills)
        day += timedelta(days=1)


def coverage(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """Shift-days with fewer effective analysts, or screeners, than they need."""
    for covered in coverage_days(facts, first, last):
        shift, day, need = covered.shift, covered.date, covered.need
        ids = tuple(a.id for a in covered.booked)
        if covered.effective < need.required:
            yield Conflict(
                type=ConflictType.COVERAGE_GAP,
                date=day,
                shift_type_id=shift.id,
                assignment_ids=ids,
                message=f"{shift.name} on {day} has {covered.effective} of {need.required} analysts",
                details={
                    "required": need.required,
                    "booked": len(covered.booked),
                    "effective": covered.effective,
                },
            )
        if covered.screeners < need.screeners_required:
            yield Conflict(
                type=ConflictType.MISSING_SCREENER,
                date=day,
                shift_type_id=shift.id,
                assignment_ids=ids,
                message=(
                    f"{shift.name} on {day} has {covered.screeners} of "
                    f"{need.screeners_required} screeners"
                ),
                details={"required": need.screeners_required, "effective": covered.screeners},
            )
        for cover in need.skills:
            wanted = max(cover.minimum, cover.optimal)
            if covered.skills[cover.skill] < wanted:
                yield Conflict(
                    type=ConflictType.SKILL_SHORT,
                    date=day,
                    shift_type_id=shift.id,
                    assignment_ids=ids,
                    message=(
                        f"{shift.name} on {day} has {covered.skills[cover.skill]} of {wanted} "
                        f"analysts covering {cover.skill}"
                    ),
                    details={
                        "skill": cover.skill,
                        "minimum": cover.minimum,
                        "optimal": cover.optimal,
                        "effective": covered.skills[cover.skill],
                    },
                )


def rest_violations(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """Less than the organization's minimum rest between the end of one shift and the
    start of the next (overlaps are double bookings instead)."""
    minimum = timedelta(hours=facts.rules.min_rest_hours)
    for analyst_id, assignments in facts.by_analyst.items():
        ordered = _by_start(facts, assignments)
        for earlier, later in pairwise(ordered):
            rest = facts.interval(later).start - facts.interval(earlier).end
            if rest < timedelta(0) or rest >= minimum:
                continue
            if not _in_window(later.date, first, last):
                continue
            hours = rest.total_seconds() / 3600
            yield Conflict(
                type=ConflictType.REST_VIOLATION,
                date=later.date,
                analyst_id=analyst_id,
                assignment_ids=(earlier.id, later.id),
                message=(
                    f"{facts.analysts[analyst_id].name} rests {hours:g} h between "
                    f"{facts.shifts[earlier.shift_type_id].name} ({earlier.date}) and "
                    f"{facts.shifts[later.shift_type_id].name} ({later.date}); "
                    f"the minimum is {facts.rules.min_rest_hours} h"
                ),
                details={
                    "rest_hours": round(hours, 2),
                    "minimum_hours": facts.rules.min_rest_hours,
                },
            )


def forbidden_successions(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """A shift type the day after one that may not be followed by it (the team's shift
    sequences, `forbidden_next_ids`), dated on the second day."""
    for analyst_id, assignments in facts.by_analyst.items():
        by_day: dict[date, list[AssignmentFacts]] = {}
        for assignment in assignments:
            by_day.setdefault(assignment.date, []).append(assignment)
        for earlier in assignments:
            banned = facts.shifts[earlier.shift_type_id].forbidden_next
            if not banned:
                continue
            for later in by_day.get(earlier.date + timedelta(days=1), []):
                if later.shift_type_id not in banned or not _in_window(later.date, first, last):
                    continue
                before = facts.shifts[earlier.shift_type_id].name
                after = facts.shifts[later.shift_type_id].name
                yield Conflict(
                    type=ConflictType.FORBIDDEN_SUCCESSION,
                    date=later.date,
                    analyst_id=analyst_id,
                    shift_type_id=later.shift_type_id,
                    assignment_ids=(earlier.id, later.id),
                    message=(
                        f"{facts.analysts[analyst_id].name} works {before} on {earlier.date} "
                        f"and {after} the next day; {before} may not be followed by {after}"
                    ),
                    details={
                        "first_shift_type_id": earlier.shift_type_id,
                        "next_shift_type_id": later.shift_type_id,
                    },
                )


def consecutive_days(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """More working days in a row than the organization or the analyst's contract allows
    (the stricter, as schedule generation plans): one conflict per run, dated on the first
    day beyond the limit."""
    for analyst_id, assignments in facts.by_analyst.items():
        limit, whose = facts.rules.max_consecutive_days, "the limit"
        own = facts.analysts[analyst_id].max_consecutive_days
        if own is not None and own < limit:
            limit, whose = own, "their contract's limit"
        for run in _runs(a.date for a in assignments):
            if len(run) <= limit or not _in_window(run[limit], first, last):
                continue
            yield _run_conflict(
                ConflictType.CONSECUTIVE_DAYS,
                run,
                limit,
                analyst_id,
                assignments,
                f"{facts.analysts[analyst_id].name} works {len(run)} days in a row "
                f"({run[0]}..{run[-1]}); {whose} is {limit}",
            )


def _runs(days: Iterable[date]) -> Iterator[list[date]]:
    """The runs of consecutive days among `days`."""
    run: list[date] = []
    for day in sorted(set(days)):
        if run and day != run[-1] + timedelta(days=1):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def shift_type_runs(facts: Facts, first: date, last: date) -> Iterator[Conflict]:
    """More days in a row on one shift type than it allows (`max_consecutive`, as schedule
    generation plans): one conflict per run, dated on the first day beyond the limit."""
    for analyst_id, assignments in facts.by_analyst.items():
        by_shift: dict[int, list[AssignmentFacts]] = {}
        for assignment in assignments:
            by_shift.setdefault(assignment.shift_type_id, []).append(assignment)
        for shift_type_id, booked in by_shift.items():
            shift = facts.shifts[shift_type_id]
            limit = shift.max_consecutive
            if limit is None:
                continue
            for run in _runs(a.date for a in booked):
                if len(run) <= limit or not _in_window(run[limit], first, last):
                    continue
                yield _run_conflict(
                    ConflictType.SHIFT_TYPE_RUN,
                    run,
                    limit,
                    analyst_id,
                    booked,
                    f"{facts.analysts[analyst_id].name} works {shift.name} {len(run)} days "
                    f"in a row ({run[0]}..{run[-1]}); the shift type allows {limit}",
                    shift_type_id=shift_type_id,
                )


def _run_conflict(
    kind: ConflictType,
    run: list[date],
    limit: int,
    analyst_id: int,
    assignments: Iterable[AssignmentFacts],
    message: str,
    shift_type_id: int | None = None,
) -> Conflict:
    """A run of days beyond its limit, dated on the first day too many."""
    return Conflict(
        type=kind,
        date=run[limit],
        analyst_id=analyst_id,
        shift_type_id=shift_type_id,
        assignment_ids=tuple(sorted(a.id for a in assignments if run[0] <= a.date <= run[-1])),
        message=message,
        details={
            "days": len(run),
            "limit": limit,
            "first": run[0].isoformat(),
            "last": run[-1].isoformat(),
        },
    )


RULES: tuple[Rule, ...] = (
    double_bookings,
    absence_overlaps,
    inactive_analysts,
    unqualified_screeners,
    coverage,
    rest_violations,
    forbidden_successions,
    consecutive_days,
    shift_type_runs,
    shifts_not_running,
    other_team_shifts,
)


def detect(facts: Facts, first: date, last: date) -> list[Conflict]:
    """Every conflict dated within `first`..`last`, hard ones first, then by date."""
    found = [conflict for rule in RULES for conflict in rule(facts, first, last)]
    return sorted(found, key=lambda c: (not c.is_hard, c.date, c.type.value, c.assignment_ids))
