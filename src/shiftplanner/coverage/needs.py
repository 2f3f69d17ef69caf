"""What a shift type needs on a day: the one statement that schedule generation plans to
and conflict detection judges by, so a generated roster is not reported short of a need
the solver never saw.

The date's override, else the weekday's template, else the shift type's own headcount on
its days of the week. Screeners only on weekdays unless the team wants them on weekends
too; nothing at all on a holiday the team takes off. A requirement's needs of single
skills come with it; the shift type's own headcount needs none. Pure: rows in, answers
out."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from shiftplanner.kit.time import Weekday, days
from shiftplanner.scheduling.problem import SkillCover

SATURDAY = 5


class ShiftLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def days_of_week(self) -> Collection[str]: ...
    @property
    def required_headcount(self) -> int: ...
    @property
    def screeners_required(self) -> int: ...


class RequirementLike(Protocol):
    @property
    def shift_type_id(self) -> int: ...
    @property
    def weekday(self) -> str | None: ...
    @property
    def date(self) -> date | None: ...
    @property
    def required(self) -> int: ...
    @property
    def screeners_required(self) -> int: ...
    @property
    def hard_min(self) -> int | None: ...
    @property
    def under_weight(self) -> int | None: ...
    @property
    def over_weight(self) -> int | None: ...
    @property
    def skills(self) -> Sequence[Mapping[str, Any]]: ...


class SettingsLike(Protocol):
    @property
    def screeners_on_weekends(self) -> bool: ...
    @property
    def holidays_off(self) -> bool: ...


class HolidayLike(Protocol):
    @property
    def date(self) -> date: ...
    @property
    def recurring(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Need:
    required: int
    screeners_required: int = 0
    # From a coverage requirement only: a hard floor, and its own weights (null: the team's).
    hard_min: int | None = None
    under_weight: int | None = None
    over_weight: int | None = None
    skills: tuple[SkillCover, ...] = ()

    @classmethod
    def of(cls, requirement: RequirementLike) -> Need:
        return cls(
            required=requirement.required,
            screeners_required=requirement.screeners_required,
            hard_min=requirement.hard_min,
            under_weight=requirement.under_weight,
            over_weight=requirement.over_weight,
            skills=tuple(SkillCover.model_validate(need) for need in requirement.skills),
        )


@dataclass(frozen=True)
class TeamCoverage:
    """One team's coverage rules. A team with no requirements, holidays or settings row
    gets the defaults: each shift type's own headcount, screeners on weekdays."""

    overrides: Mapping[tuple[int, date], Need] = field(default_factory=dict)
    templates: Mapping[tuple[int, str], Need] = field(default_factory=dict)
    # The holidays the team takes off: one-off dates, and (month, day) every year (a
    # recurring 29 February only in leap years).
    holiday_dates: frozenset[date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()
    screeners_on_weekends: bool = False

    @classmethod
    def of(
        cls,
        requirements: Iterable[RequirementLike] = (),
        holidays: Iterable[HolidayLike] = (),
        settings: SettingsLike | None = None,
    ) -> TeamCoverage:
        """From the team's rows; without `settings` (no row stored), the defaults."""
        overrides: dict[tuple[int, date], Need] = {}
        templates: dict[tuple[int, str], Need] = {}
        for requirement in requirements:
            if requirement.date is not None:
                overrides[(requirement.shift_type_id, requirement.date)] = Need.of(requirement)
            elif requirement.weekday is not None:
                templates[(requirement.shift_type_id, requirement.weekday)] = Need.of(requirement)
        taken = list(holidays) if settings is None or settings.holidays_off else []
        return cls(
            overrides=overrides,
            templates=templates,
            holiday_dates=frozenset(h.date for h in taken if not h.recurring),
            yearly_holidays=frozenset((h.date.month, h.date.day) for h in taken if h.recurring),
            screeners_on_weekends=settings is not None and settings.screeners_on_weekends,
        )

    def is_holiday(self, day: date) -> bool:
        return day in self.holiday_dates or (day.month, day.day) in self.yearly_holidays

    def holidays_in(self, start: date, end: date) -> set[date]:
        return {day for day in days(start, end) if self.is_holiday(day)}

    def need(self, shift: ShiftLike, day: date) -> Need | None:
        """What `shift` needs on `day`; None when it does not run (or the team is off)."""
        if self.is_holiday(day):
            return None
        weekday = Weekday.of(day).value
        found = self.overrides.get((shift.id, day)) or self.templates.get((shift.id, weekday))
        if found is None:
            if weekday not in shift.days_of_week:
                return None
            found = Need(shift.required_headcount, shift.screeners_required)
        if day.weekday() >= SATURDAY and not self.screeners_on_weekends:
            return replace(found, screeners_required=0)
        return found
