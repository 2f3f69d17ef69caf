"""A fast constructive roster, handed to CP-SAT as its first hint: day by day, each
shift takes the least-loaded analysts that the simple hard rules allow (days off,
succession, shifts per type, minutes, consecutive days, weekends, screener runs, shifts
in all, days in a row on one shift type), then fills each skill's optimum the same way,
preferring those who asked for it and sparing those who asked for it off. The rules it
does not look ahead for (block lengths, minimum minutes) are left for the solver to
repair; the hint only needs to be close."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from shiftplanner.scheduling.horizon import Horizon
from shiftplanner.scheduling.problem import AnalystSpec, Assignment, RequestKind


@dataclass
class _Load:
    shift_by_day: dict[int, int] = field(default_factory=dict)  # day index → shift index
    screener_days: set[int] = field(default_factory=set)
    skill_by_day: dict[int, str] = field(default_factory=dict)
    per_type: Counter[int] = field(default_factory=Counter)
    minutes: int = 0
    weekends: set[int] = field(default_factory=set)


def _streak(days: set[int], d: int, known_before: set[int]) -> int:
    """Working days in a row that end the day before d."""
    run, i = 0, d - 1
    while i in days or i in known_before:
        run, i = run + 1, i - 1
    return run


def construct(h: Horizon) -> list[Assignment]:
    problem = h.problem
    loads = [_Load() for _ in h.analysts]
    worked_before = [
        {i for i, day in h.history(a).items() if day.shift_type_id is not None} for a in h.analysts
    ]
    screened_before = [
        {i for i, day in h.history(a).items() if day.is_screener} for a in h.analysts
    ]
    last_history = [h.history(a).get(-1) for a in h.analysts]
    off = [{h.index[day] for day in a.days_off if day in h.index} for a in h.analysts]
    weekend_of = {d: w for w, days in enumerate(h.weekends) for d in days}
    wishes: dict[tuple[int, int], int] = {}  # (analyst, day) → preference; ±1 per request
    for request in problem.requests:
        if request.date in h.index:
            key = (h.analyst_index[request.analyst_id], h.index[request.date])
            wishes[key] = wishes.get(key, 0) + (1 if request.kind is RequestKind.ON else -1)
    needs = {(c.date, c.shift_type_id): c for c in problem.coverage}

    for assignment in problem.locked:
        if assignment.date in h.index:
            a, d = h.analyst_index[assignment.analyst_id], h.index[assignment.date]
            _take(
                h,
                loads[a],
                d,
                h.shift_index[assignment.shift_type_id],
                assignment.is_screener,
                weekend_of,
            )

    def allowed(a: int, analyst: AnalystSpec, d: int, s: int) -> bool:
        load, contract, shift = loads[a], analyst.contract, h.shifts[s]
        if d in off[a] or d in load.shift_by_day:
            return False
        before = load.shift_by_day.get(d - 1)
        previous = last_history[a]
        if (
            before is None
            and d == 0
            and previous is not None
            and previous.shift_type_id is not None
        ):
            before = h.shift_index.get(previous.shift_type_id)
        if before is not None and s in h.banned_next[before]:
            return False
        after = load.shift_by_day.get(d + 1)
        if after is not None and after in h.banned_next[s]:
            return False
        if (
            contract.max_assignments is not None
            and len(load.shift_by_day) >= contract.max_assignments
        ):
            return False
        same_type = shift.max_consecutive
        if same_type is not None and _same_type_streak(load, d, s) >= same_type:
            return False
        limit = contract.max_shifts_per_type.get(shift.id)
        if limit is not None and load.per_type[s] >= limit:
            return False
        if contract.max_minutes is not None and load.minutes + shift.minutes > contract.max_minutes:
            return False
        limit_days = contract.max_consecutive_days
        if (
            limit_days is not None
            and _streak(set(load.shift_by_day), d, worked_before[a]) >= limit_days
        ):
            return False
        w = weekend_of.get(d)
        return not (
            w is not None
            and contract.max_weekends is not None
            and w not in load.weekends
            and len(load.weekends) >= contract.max_weekends
        )

    for d, day in enumerate(h.days):
        for s, shift in enumerate(h.shifts):
            need = needs.get((day, shift.id))
            if need is None:
                continue
            have = [a for a, load in enumerate(loads) if load.shift_by_day.get(d) == s]
            candidates = sorted(
                (a for a, analyst in enumerate(h.analysts) if allowed(a, analyst, d, s)),
                key=lambda a: (-wishes.get((a, d), 0), loads[a].minutes, a),
            )
            chosen = candidates[: max(0, need.required - len(have))]
            duty = need.screeners_required - sum(1 for a in have if d in loads[a].screener_days)
            for a in chosen:
                can_screen = h.is_screener(h.analysts[a]) and (
                    _streak(loads[a].screener_days, d, screened_before[a])
                    < problem.rules.max_consecutive_screener_days
                )
                _take(h, loads[a], d, s, duty > 0 and can_screen, weekend_of)
                duty -= int(duty > 0 and can_screen)
            # Each skill's optimum: first from who works the shift already, then the
            # least-loaded who have it; the scarcest skill first.
            scarcity = {
                cover.skill: sum(cover.skill in analyst.skills for analyst in h.analysts)
                for cover in need.skills
            }
            for cover in sorted(need.skills, key=lambda cover: scarcity[cover.skill]):
                missing = cover.optimal - sum(
                    1
                    for load in loads
                    if load.skill_by_day.get(d) == cover.skill and load.shift_by_day.get(d) == s
                )
                for a, load in enumerate(loads):
                    if missing <= 0:
                        break
                    if (
                        load.shift_by_day.get(d) == s
                        and d not in load.skill_by_day
                        and cover.skill in h.analysts[a].skills
                    ):
                        load.skill_by_day[d] = cover.skill
                        missing -= 1
                candidates = sorted(
                    (
                        a
                        for a, analyst in enumerate(h.analysts)
                        if cover.skill in analyst.skills and allowed(a, analyst, d, s)
                    ),
                    key=lambda a: (-wishes.get((a, d), 0), len(loads[a].shift_by_day), a),
                )
                for a in candidates[: max(0, missing)]:
                    _take(h, loads[a], d, s, False, weekend_of)
                    loads[a].skill_by_day[d] = cover.skill

    return [
        Assignment(
            analyst_id=analyst.id,
            date=h.days[d],
            shift_type_id=h.shifts[s].id,
            is_screener=d in loads[a].screener_days,
            skill=loads[a].skill_by_day.get(d),
        )
        for a, analyst in enumerate(h.analysts)
        for d, s in sorted(loads[a].shift_by_day.items())
    ]


def _same_type_streak(load: _Load, d: int, s: int) -> int:
    """Days in a row on shift type s that end the day before d (in the horizon)."""
    run, i = 0, d - 1
    while load.shift_by_day.get(i) == s:
        run, i = run + 1, i - 1
    return run


def _take(
    h: Horizon, load: _Load, d: int, s: int, screener: bool, weekend_of: dict[int, int]
) -> None:
    load.shift_by_day[d] = s
    load.per_type[s] += 1
    load.minutes += h.shifts[s].minutes
    if screener:
        load.screener_days.add(d)
    if d in weekend_of:
        load.weekends.add(weekend_of[d])
