"""The solver's `Problem` for one team and a date range, built from rows already loaded:
plain functions, one per source of data, so each can be tested without a database.

What lands where (docs/scheduling-rules.md has the rules themselves):
  - shift types: the team's active ones, with their local start, length, forbidden
    successors (within the team's active ones), night flag and least and most days in
    a row;
  - analysts: the team's active ones, with skills and contract; their days off are the
    days of approved absences, the team's holidays (when the team takes them off), and
    the days they are booked on a shift type outside the problem (another team's); the
    shifts they may not work on a day otherwise free are night shifts into an approved
    absence and the team's shifts too close to one booked on another team's;
  - coverage, per day and shift type: what `coverage.needs` says the shift type needs
    (with its needs of single skills), the statement conflict detection judges schedules
    by too;
  - requests: those not rejected, of the analysts, in the range;
  - history: the 14 days before the range, every one known (no assignment: off);
  - fairness history: weekends worked, nights and screener days in the team's window;
  - locked: the locked assignments in the range; hint: the current ones, when re-planning;
    each with the skill it covers;
  - weights: the solver's defaults, then the team's, then the request's (a null weight
    makes its limit hard again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from shiftplanner.coverage.needs import TeamCoverage
from shiftplanner.kit.time import days, shift_interval
from shiftplanner.models import (
    SCREENER_SKILL,
    Absence,
    AbsenceStatus,
    Analyst,
    Assignment,
    CoverageRequirement,
    Holiday,
    RequestStatus,
    ShiftRequest,
    ShiftType,
    Team,
    TeamScheduleSettings,
)
from shiftplanner.models.organization import DEFAULT_MAX_CONSECUTIVE_DAYS
from shiftplanner.scheduling import problem as spec

HISTORY_DAYS = 14
SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class TeamRules:
    """A team's schedule generation settings: the stored row, or the defaults the table
    gives a new row."""

    weights: Mapping[str, int | None] = field(default_factory=dict)
    max_consecutive_screener_days: int = 2
    screeners_on_weekends: bool = False
    holidays_off: bool = True
    fairness_window_days: int = 56

    @classmethod
    def of(cls, row: TeamScheduleSettings | None) -> TeamRules:
        if row is None:
            return cls()
        return cls(
            weights=dict(row.weights),
            max_consecutive_screener_days=row.max_consecutive_screener_days,
            screeners_on_weekends=row.screeners_on_weekends,
            holidays_off=row.holidays_off,
            fairness_window_days=row.fairness_window_days,
        )

    def coverage(
        self, requirements: Iterable[CoverageRequirement], holidays: Iterable[Holiday]
    ) -> TeamCoverage:
        return TeamCoverage.of(requirements, holidays, self)

    def looks_back_to(self, start: date) -> date:
        """The first day before `start` whose assignments history or fairness need."""
        return start - timedelta(days=max(HISTORY_DAYS, self.fairness_window_days))


@dataclass(frozen=True)
class Sources:
    """The rows a problem is built from. `assignments` are the analysts' assignments from
    `rules.looks_back_to(start)` to two days after the range, on any team's shift types;
    `night_shift_ids` names every night shift type those assignments use."""

    team: Team
    min_rest_hours: float
    rules: TeamRules
    shift_types: Sequence[ShiftType]
    analysts: Sequence[Analyst]
    absences: Sequence[Absence] = ()
    holidays: Sequence[Holiday] = ()
    requirements: Sequence[CoverageRequirement] = ()
    requests: Sequence[ShiftRequest] = ()
    assignments: Sequence[Assignment] = ()
    night_shift_ids: Collection[int] = frozenset()
    # The other teams' shift types those assignments use, each with its team's time zone.
    other_shift_types: Mapping[int, tuple[ShiftType, str]] = field(default_factory=dict)
    # The organization's rule, which conflict detection holds every schedule to: it caps
    # each contract's own limit.
    max_consecutive_days: int = DEFAULT_MAX_CONSECUTIVE_DAYS


def build(
    sources: Sources,
    start: date,
    end: date,
    *,
    replan: bool = False,
    weights: Mapping[str, int | None] | None = None,
) -> spec.Problem:
    """The problem for the team of `sources` on `start`..`end`. `weights` (the request's)
    override the team's, which override the solver's defaults."""
    rules = sources.rules
    shift_ids = {s.id for s in sources.shift_types}
    analyst_ids = {a.id for a in sources.analysts}
    needs = rules.coverage(sources.requirements, sources.holidays)
    holidays = needs.holidays_in(start, end)
    in_range = [a for a in sources.assignments if start <= a.date <= end]
    planned = [a for a in in_range if a.analyst_id in analyst_ids and a.shift_type_id in shift_ids]
    elsewhere = [a for a in sources.assignments if a.shift_type_id not in shift_ids]
    off = days_off(
        analyst_ids,
        absences=sources.absences,
        holidays=holidays,
        elsewhere=elsewhere,
        start=start,
        end=end,
    )
    blocked = nights_into_absences(sources.absences, sources.shift_types, off, start, end)
    too_close = rest_around_elsewhere(
        elsewhere,
        sources.other_shift_types,
        sources.shift_types,
        sources.team.timezone,
        sources.min_rest_hours,
        off,
        start,
        end,
    )
    before = [a for a in sources.assignments if a.date < start and a.analyst_id in analyst_ids]
    return spec.Problem(
        start=start,
        end=end,
        timezone=sources.team.timezone,
        team=sources.team.name,
        shift_types=shift_type_specs(sources.shift_types),
        analysts=[
            spec.AnalystSpec(
                id=analyst.id,
                name=analyst.name,
                skills=sorted(analyst.skills),
                contract=contract(analyst, shift_ids, sources.max_consecutive_days),
                days_off=sorted(off.get(analyst.id, ())),
                unavailable=sorted(
                    {*blocked.get(analyst.id, ()), *too_close.get(analyst.id, ())},
                    key=lambda u: (u.date, u.shift_type_id),
                ),
            )
            for analyst in sorted(sources.analysts, key=lambda a: a.id)
        ],
        coverage=coverage(sources.shift_types, needs, start, end),
        requests=requests(sources.requests, analyst_ids, shift_ids, start, end),
        history=history(before, analyst_ids, start),
        fairness_history=fairness(
            before, analyst_ids, sources.night_shift_ids, start, rules.fairness_window_days
        ),
        locked=[_spec(a) for a in _ordered(planned) if a.is_locked],
        hint=[_spec(a) for a in _ordered(planned)] if replan else None,
        weights=merged_weights(rules.weights, weights or {}),
        rules=spec.Rules(
            min_rest_hours=sources.min_rest_hours,
            max_consecutive_screener_days=rules.max_consecutive_screener_days,
            screener_skill=SCREENER_SKILL,
        ),
    )


def shift_type_specs(shift_types: Iterable[ShiftType]) -> list[spec.ShiftTypeSpec]:
    ordered = sorted(shift_types, key=lambda s: s.id)
    ids = {s.id for s in ordered}
    return [
        spec.ShiftTypeSpec(
            id=s.id,
            name=s.name,
            start=s.start_time,
            minutes=s.duration_minutes,
            # Successors that left the team or were switched off are not in the problem.
            forbidden_next=sorted(i for i in set(s.forbidden_next_ids) if i in ids),
            is_night=s.is_night,
            min_consecutive=s.min_consecutive,
            max_consecutive=s.max_consecutive,
        )
        for s in ordered
    ]


def contract(
    analyst: Analyst,
    shift_ids: Collection[int],
    max_consecutive_days: int = DEFAULT_MAX_CONSECUTIVE_DAYS,
) -> spec.Contract:
    """The analyst's contract, limited to the problem's shift types (a contract may name
    shift types of other teams, or switched-off ones), its most consecutive working days
    no more than the organization's."""
    stored = dict(analyst.contract)
    per_type = stored.get("max_shifts_per_type") or {}
    stored["max_shifts_per_type"] = {k: v for k, v in per_type.items() if int(k) in shift_ids}
    own = stored.get("max_consecutive_days")
    stored["max_consecutive_days"] = min(own, max_consecutive_days) if own else max_consecutive_days
    return spec.Contract.model_validate(stored)


def days_off(
    analyst_ids: Collection[int],
    *,
    absences: Iterable[Absence],
    holidays: Collection[date],
    elsewhere: Iterable[Assignment],
    start: date,
    end: date,
) -> dict[int, set[date]]:
    """Each analyst's fixed days off in the range: approved absences, holidays, and days
    booked on a shift type outside the problem."""
    off: dict[int, set[date]] = {analyst_id: set(holidays) for analyst_id in analyst_ids}
    for absence in absences:
        if absence.analyst_id in off and absence.status is AbsenceStatus.APPROVED:
            first, last = max(absence.start_date, start), min(absence.end_date, end)
            if first <= last:
                off[absence.analyst_id] |= set(days(first, last))
    for assignment in elsewhere:
        if assignment.analyst_id in off and start <= assignment.date <= end:
            off[assignment.analyst_id].add(assignment.date)
    return off


def nights_into_absences(
    absences: Iterable[Absence],
    shift_types: Iterable[ShiftType],
    off: Mapping[int, Collection[date]],
    start: date,
    end: date,
) -> dict[int, list[spec.Unavailable]]:
    """The shifts running past midnight that an analyst may not work on the eve of an
    approved absence: they would end inside it (conflict detection refuses that as an
    absence overlap). `off` holds each analyst's days off already."""
    crossing = sorted(s.id for s in shift_types if s.ends_next_day)
    blocked: dict[int, list[spec.Unavailable]] = defaultdict(list)
    for absence in sorted(absences, key=lambda a: (a.analyst_id, a.start_date)):
        eve = absence.start_date - timedelta(days=1)
        if absence.analyst_id not in off or absence.status is not AbsenceStatus.APPROVED:
            continue
        if start <= eve <= end and eve not in off[absence.analyst_id]:
            blocked[absence.analyst_id] += [
                spec.Unavailable(date=eve, shift_type_id=shift_id) for shift_id in crossing
            ]
    return dict(blocked)


def rest_around_elsewhere(
    elsewhere: Iterable[Assignment],
    their_shift_types: Mapping[int, tuple[ShiftType, str]],
    own_shift_types: Iterable[ShiftType],
    timezone: str,
    min_rest_hours: float,
    off: Mapping[int, Collection[date]],
    start: date,
    end: date,
) -> dict[int, list[spec.Unavailable]]:
    """The team's shifts an analyst may not work around a shift booked on another team's
    shift type (that day is a day off already): they would overlap it or leave less than
    the organization's minimum rest, which conflict detection reports. Compared in real
    time, so another team's night shift bars the next morning, whatever the time zones."""
    minimum = timedelta(hours=min_rest_hours)
    own = list(own_shift_types)
    blocked: dict[int, set[tuple[date, int]]] = defaultdict(set)
    for booked in elsewhere:
        if booked.analyst_id not in off or booked.shift_type_id not in their_shift_types:
            continue
        shift, zone = their_shift_types[booked.shift_type_id]
        theirs = shift_interval(booked.date, shift.start_time, shift.end_time, zone)
        # Two days each way: far apart time zones shift a local date by up to a day.
        for offset in (-2, -1, 1, 2):
            day = booked.date + timedelta(days=offset)
            if not start <= day <= end or day in off[booked.analyst_id]:
                continue
            for candidate in own:
                ours = shift_interval(day, candidate.start_time, candidate.end_time, timezone)
                first, second = sorted((ours, theirs), key=lambda i: i.start)
                if second.start - first.end < minimum:  # also when they overlap
                    blocked[booked.analyst_id].add((day, candidate.id))
    return {
        analyst_id: [
            spec.Unavailable(date=day, shift_type_id=shift_id) for day, shift_id in sorted(cells)
        ]
        for analyst_id, cells in blocked.items()
    }


def coverage(
    shift_types: Iterable[ShiftType], needs: TeamCoverage, start: date, end: date
) -> list[spec.Coverage]:
    """One entry per day and shift type that needs anyone (`coverage.needs` says what)."""
    entries: list[spec.Coverage] = []
    for day in days(start, end):
        for shift in sorted(shift_types, key=lambda s: s.id):
            need = needs.need(shift, day)
            if need is not None:
                entries.append(
                    spec.Coverage(
                        date=day,
                        shift_type_id=shift.id,
                        required=need.required,
                        screeners_required=need.screeners_required,
                        hard_min=need.hard_min,
                        under_weight=need.under_weight,
                        over_weight=need.over_weight,
                        skills=list(need.skills),
                    )
                )
    return entries


def requests(
    rows: Iterable[ShiftRequest],
    analyst_ids: Collection[int],
    shift_ids: Collection[int],
    start: date,
    end: date,
) -> list[spec.ShiftRequest]:
    """The wishes the solver weighs: not rejected, of the problem's analysts, in the range,
    for the whole day or one of the problem's shift types."""
    return [
        spec.ShiftRequest(
            analyst_id=row.analyst_id,
            date=row.date,
            shift_type_id=row.shift_type_id,
            kind=spec.RequestKind(row.kind.value),
            weight=row.weight,
        )
        for row in sorted(rows, key=lambda r: (r.date, r.analyst_id, r.id))
        if row.status is not RequestStatus.REJECTED
        and row.analyst_id in analyst_ids
        and start <= row.date <= end
        and (row.shift_type_id is None or row.shift_type_id in shift_ids)
    ]


def history(
    before: Iterable[Assignment], analyst_ids: Collection[int], start: date
) -> dict[int, list[spec.HistoryDay]]:
    """Each analyst's last 14 days before `start`, every one known: the shifts worked
    (on any team's shift types), or a day off."""
    first = start - timedelta(days=HISTORY_DAYS)
    worked: dict[tuple[int, date], list[Assignment]] = defaultdict(list)
    for assignment in _ordered(before):
        if first <= assignment.date < start:
            worked[(assignment.analyst_id, assignment.date)].append(assignment)
    result: dict[int, list[spec.HistoryDay]] = {}
    for analyst_id in sorted(analyst_ids):
        entries: list[spec.HistoryDay] = []
        for day in days(first, start - timedelta(days=1)):
            shifts = worked.get((analyst_id, day))
            if not shifts:
                entries.append(spec.HistoryDay(date=day, shift_type_id=None))
            entries += [
                spec.HistoryDay(date=day, shift_type_id=a.shift_type_id, is_screener=a.is_screener)
                for a in shifts or ()
            ]
        result[analyst_id] = entries
    return result


def fairness(
    before: Iterable[Assignment],
    analyst_ids: Collection[int],
    night_shift_ids: Collection[int],
    start: date,
    window_days: int,
) -> dict[int, spec.FairnessCounts]:
    """What each analyst did in the `window_days` before `start`: weekends worked (a
    Saturday and the Sunday after it, counted once), night shifts, screener days."""
    first = start - timedelta(days=window_days)
    weekends: dict[int, set[date]] = defaultdict(set)
    nights: dict[int, int] = defaultdict(int)
    screener_days: dict[int, set[date]] = defaultdict(set)
    for assignment in before:
        if not first <= assignment.date < start:
            continue
        analyst_id = assignment.analyst_id
        if assignment.date.weekday() in (SATURDAY, SUNDAY):
            saturday = assignment.date - timedelta(days=assignment.date.weekday() - SATURDAY)
            weekends[analyst_id].add(saturday)
        if assignment.shift_type_id in night_shift_ids:
            nights[analyst_id] += 1
        if assignment.is_screener:
            screener_days[analyst_id].add(assignment.date)
    return {
        analyst_id: spec.FairnessCounts(
            weekends=len(weekends[analyst_id]),
            nights=nights[analyst_id],
            screener_days=len(screener_days[analyst_id]),
        )
        for analyst_id in sorted(analyst_ids)
    }


def merged_weights(
    team: Mapping[str, int | None], requested: Mapping[str, int | None]
) -> spec.Weights:
    """The solver's default weights, overridden by the team's, then by the request's (a
    null one too: it makes its limit hard). A stored name the solver no longer knows is
    ignored."""
    known = spec.Weights.model_fields
    merged = {k: v for k, v in team.items() if k in known} | {
        k: v for k, v in requested.items() if k in known
    }
    return spec.Weights.model_validate(merged)


def _ordered(assignments: Iterable[Assignment]) -> list[Assignment]:
    return sorted(assignments, key=lambda a: (a.date, a.analyst_id, a.shift_type_id, a.id))


def _spec(assignment: Assignment) -> spec.Assignment:
    return spec.Assignment(
        analyst_id=assignment.analyst_id,
        date=assignment.date,
        shift_type_id=assignment.shift_type_id,
        is_screener=assignment.is_screener,
        skill=assignment.skill,
    )
