"""Facts derived from a problem once, shared by every rule: day indexes, weekends, the
known history of each analyst, and which shift types may follow which."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from shiftplanner.scheduling.problem import AnalystSpec, HistoryDay, Problem, ShiftTypeSpec

SATURDAY = 5


@dataclass(frozen=True)
class Horizon:
    problem: Problem
    days: list[date] = field(init=False)
    index: dict[date, int] = field(init=False)

    def __post_init__(self) -> None:
        days = list(self.problem.days())
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "index", {day: i for i, day in enumerate(days)})

    @property
    def size(self) -> int:
        return len(self.days)

    @cached_property
    def shifts(self) -> list[ShiftTypeSpec]:
        return list(self.problem.shift_types)

    @cached_property
    def shift_index(self) -> dict[int, int]:
        return {shift.id: i for i, shift in enumerate(self.shifts)}

    @cached_property
    def analysts(self) -> list[AnalystSpec]:
        return list(self.problem.analysts)

    @cached_property
    def analyst_index(self) -> dict[int, int]:
        return {analyst.id: i for i, analyst in enumerate(self.analysts)}

    @cached_property
    def weekends(self) -> list[list[int]]:
        """For every weekend touching the horizon, the indexes of its days in the horizon."""
        groups: dict[date, list[int]] = {}
        for i, day in enumerate(self.days):
            if day.weekday() >= SATURDAY:
                saturday = day - timedelta(days=day.weekday() - SATURDAY)
                groups.setdefault(saturday, []).append(i)
        return [groups[saturday] for saturday in sorted(groups)]

    @cached_property
    def banned_next(self) -> dict[int, set[int]]:
        """Shift index → the shift indexes that may not be worked the next day: those in
        `forbidden_next`, and those that would leave less than the minimum rest."""
        min_rest = self.problem.rules.min_rest_hours * 60
        banned: dict[int, set[int]] = {}
        for i, first in enumerate(self.shifts):
            forbidden = set(first.forbidden_next)
            banned[i] = {
                j
                for j, then in enumerate(self.shifts)
                if then.id in forbidden
                or 1440 + then.start.hour * 60 + then.start.minute - first.end_minute() < min_rest
            }
        return banned

    def analyst_label(self, analyst_id: int) -> str:
        return self.analysts[self.analyst_index[analyst_id]].label

    def shift_label(self, shift_type_id: int) -> str:
        return self.shifts[self.shift_index[shift_type_id]].label

    def is_screener(self, analyst: AnalystSpec) -> bool:
        return self.problem.rules.screener_skill in analyst.skills

    def history(self, analyst: AnalystSpec) -> dict[int, HistoryDay]:
        """Known history days by offset from the horizon's start (-1 is the day before).
        A date listed more than once is worked if any entry worked, and a screener day if
        any worked entry was (see `history_shifts` for every shift of such a day)."""
        entries: dict[int, list[HistoryDay]] = {}
        for day in self.problem.history.get(analyst.id, ()):
            if day.date < self.problem.start:
                entries.setdefault((day.date - self.problem.start).days, []).append(day)
        days = {}
        for offset, listed in entries.items():
            worked = [day for day in listed if day.shift_type_id is not None]
            days[offset] = (
                worked[0].model_copy(update={"is_screener": any(d.is_screener for d in worked)})
                if worked
                else listed[0]
            )
        return days

    def history_shifts(self, analyst: AnalystSpec, offset: int) -> set[int]:
        """The ids of the shift types worked on a history day (offset < 0)."""
        day = self.problem.start + timedelta(days=offset)
        return {
            entry.shift_type_id
            for entry in self.problem.history.get(analyst.id, ())
            if entry.date == day and entry.shift_type_id is not None
        }
