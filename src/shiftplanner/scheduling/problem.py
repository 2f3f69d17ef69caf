"""The roster problem the solver takes: one plain, JSON-serialisable data model.

Days are local dates of the team's time zone; a shift belongs to the day it starts.
Weeks start on Monday; a weekend is Saturday and Sunday and counts as worked when either
day is. Every soft rule's weight is an integer; 0 switches the rule off.

Hard rules (never broken by a returned roster):
  - an analyst works at most one shift a day, never on a day off;
  - a shift type listed in another's `forbidden_next`, or one that would leave less than
    `rules.min_rest_hours` between the end of a shift and the start of the next day's,
    is never worked the day after it (history counts at the horizon's start);
  - contract limits: shifts per shift type, total minutes (least and most), consecutive
    working days (most; history counts), working and off blocks (least length; a block
    touching the horizon's start counts only with history, one touching its end never),
    weekends worked (most);
  - screener duty only for analysts with the screener skill, on a shift they work, at
    most `rules.max_consecutive_screener_days` days in a row (history counts);
  - an assignment covers a skill only the analyst has;
  - `locked` assignments are kept; coverage `hard_min` and each skill's `minimum` are met.
Limits that are hard unless `weights` gives them a weight (then each unit beyond costs
it; the competition's border rules, see docs/scheduling-rules.md): consecutive working
days and days off (least and most), days in a row of one shift type (the shift type's
least and most), assignments in the horizon (the contract's least and most, with what
`contract_history` counted before), weekends worked (most, likewise), complete weekends.
Soft rules (the objective, minimised): analysts short of and beyond each coverage need,
screeners short, analysts short of each skill's optimal level, on-requests not met,
off-requests not granted, unfair spreads of weekends, nights and screener days, changes
against the hint, and the weighted limits above."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_HORIZON_DAYS = 366  # a year's rotation
MAX_WEEKENDS = 53
MAX_RUN = 28  # the longest "least days in a row" a rule may ask for

Weight = Annotated[int, Field(ge=0, le=1_000_000)]
Count = Annotated[int, Field(ge=0, le=10_000)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShiftTypeSpec(Model):
    id: int
    name: str = ""
    start: time = Field(description="Local start time.")
    minutes: int = Field(gt=0, le=24 * 60, description="Length; a shift may run past midnight.")
    forbidden_next: list[int] = Field(
        default_factory=list,
        description="Shift types that may not be worked the day after this one.",
    )
    is_night: bool = Field(default=False, description="Counts for night-shift fairness.")
    min_consecutive: int | None = Field(
        default=None, ge=1, le=MAX_RUN, description="Least days in a row worked on this shift type."
    )
    max_consecutive: int | None = Field(
        default=None,
        ge=1,
        le=MAX_HORIZON_DAYS,
        description="Most days in a row worked on this shift type (at most three nights ...).",
    )

    @model_validator(mode="after")
    def _runs_possible(self) -> ShiftTypeSpec:
        least, most = self.min_consecutive, self.max_consecutive
        if least is not None and most is not None and least > most:
            raise ValueError(f"min_consecutive ({least}) exceeds max_consecutive ({most})")
        return self

    @property
    def label(self) -> str:
        """How explanations name it: by name, by id only when it has none."""
        return self.name or f"shift type {self.id}"

    def end_minute(self) -> int:
        """Minutes after the start of its day at which the shift ends (may exceed 1440)."""
        return self.start.hour * 60 + self.start.minute + self.minutes


class Contract(Model):
    max_shifts_per_type: dict[int, Count] = Field(default_factory=dict)
    min_minutes: Count | None = Field(default=None, le=10_000_000)
    max_minutes: int | None = Field(default=None, ge=0, le=10_000_000)
    max_consecutive_days: int | None = Field(default=None, ge=1, le=MAX_HORIZON_DAYS)
    min_consecutive_days: int | None = Field(default=None, ge=1, le=MAX_RUN)
    min_consecutive_days_off: int | None = Field(default=None, ge=1, le=MAX_RUN)
    max_consecutive_days_off: int | None = Field(default=None, ge=1, le=MAX_HORIZON_DAYS)
    min_assignments: Count | None = Field(
        default=None, description="Least shifts in the horizon, `contract_history` included."
    )
    max_assignments: Count | None = Field(
        default=None, description="Most shifts in the horizon, `contract_history` included."
    )
    max_weekends: int | None = Field(default=None, ge=0, le=MAX_WEEKENDS)
    complete_weekends: bool = Field(
        default=False, description="A weekend is worked on both days or on neither."
    )

    def contradictions(self, max_consecutive_days: int | None = None) -> list[tuple[str, str]]:
        """Each least above its most, as (the least's field, why): no roster keeps such a
        contract. `max_consecutive_days` is a cap from outside (the organization's)."""
        found = []
        if (
            self.min_minutes is not None
            and self.max_minutes is not None
            and self.min_minutes > self.max_minutes
        ):
            found.append(
                (
                    "min_minutes",
                    f"min_minutes ({self.min_minutes}) exceeds max_minutes ({self.max_minutes})",
                )
            )
        pairs = (
            ("min_assignments", self.min_assignments, "max_assignments", self.max_assignments),
            (
                "min_consecutive_days_off",
                self.min_consecutive_days_off,
                "max_consecutive_days_off",
                self.max_consecutive_days_off,
            ),
        )
        for least_name, least_value, most_name, most_value in pairs:
            if least_value is not None and most_value is not None and least_value > most_value:
                found.append(
                    (
                        least_name,
                        f"{least_name} ({least_value}) exceeds {most_name} ({most_value})",
                    )
                )
        least = self.min_consecutive_days
        caps = (
            (self.max_consecutive_days, "max_consecutive_days"),
            (max_consecutive_days, "the organization's max_consecutive_days"),
        )
        for most, name in caps:
            if least is not None and most is not None and least > most:
                found.append(
                    (
                        "min_consecutive_days",
                        f"min_consecutive_days ({least}) exceeds {name} ({most})",
                    )
                )
                break
        return found


class Unavailable(Model):
    """One shift type an analyst may not work on one day, the rest of the day free: a night
    shift that would run into an absence starting the next morning."""

    date: date
    shift_type_id: int


class AnalystSpec(Model):
    id: int
    name: str = ""
    skills: list[str] = Field(default_factory=list)
    contract: Contract = Field(default_factory=Contract)
    days_off: list[date] = Field(
        default_factory=list, description="Fixed days off: approved absences, holidays."
    )
    unavailable: list[Unavailable] = Field(
        default_factory=list, description="Single shifts the analyst may not work."
    )

    @property
    def label(self) -> str:
        """How explanations name them: by name, by id only when they have none."""
        return self.name or f"analyst {self.id}"


class HistoryDay(Model):
    date: date
    shift_type_id: int | None = Field(description="The shift worked that day; null for a day off.")
    is_screener: bool = False


class SkillCover(Model):
    """How many of a shift-day's analysts must cover one skill: assignments that name it
    (`Assignment.skill`) count."""

    skill: str = Field(min_length=1, max_length=64)
    minimum: Count = Field(default=0, description="A floor the roster must meet (hard).")
    optimal: Count = Field(default=0, description="Each analyst short of it costs (soft).")
    under_weight: Weight | None = Field(
        default=None, description="Per analyst short of `optimal`; default: weights.skill_short."
    )


class Coverage(Model):
    date: date
    shift_type_id: int
    required: Count
    screeners_required: Count = 0
    hard_min: Count | None = Field(default=None, description="A minimum the roster must meet.")
    under_weight: Weight | None = Field(
        default=None, description="Per analyst short; default: weights.under_cover."
    )
    over_weight: Weight | None = Field(
        default=None, description="Per analyst too many; default: weights.over_cover."
    )
    skills: list[SkillCover] = Field(
        default_factory=list, description="Needs of single skills among the analysts."
    )

    @model_validator(mode="after")
    def _one_need_per_skill(self) -> Coverage:
        named = [need.skill for need in self.skills]
        if len(named) != len(set(named)):
            raise ValueError("one need per skill")
        return self


class RequestKind(StrEnum):
    ON = "on"  # wants to work it
    OFF = "off"  # wants it off


class ShiftRequest(Model):
    analyst_id: int
    date: date
    shift_type_id: int | None = Field(default=None, description="Null: the whole day.")
    kind: RequestKind
    weight: Weight | None = Field(
        default=None, description="Default: weights.on_request / off_request."
    )


class ContractCounts(Model):
    """What an analyst already worked in the contract's period before the horizon."""

    assignments: Count = 0
    weekends: Count = Field(default=0, le=MAX_WEEKENDS)


class FairnessCounts(Model):
    """What an analyst already did in the rolling window before the horizon."""

    weekends: Count = 0
    nights: Count = 0
    screener_days: Count = 0


class Assignment(Model):
    analyst_id: int
    date: date
    shift_type_id: int
    is_screener: bool = False
    skill: str | None = Field(
        default=None, max_length=64, description="The skill need it covers (one of the analyst's)."
    )


class Weights(Model):
    under_cover: Weight = 100
    over_cover: Weight = 10
    screener_short: Weight = 100
    on_request: Weight = 10
    off_request: Weight = 10
    fairness_weekends: Weight = 20
    fairness_nights: Weight = 20
    fairness_screener: Weight = 20
    change: Weight = 30
    skill_short: Weight = 100
    # Limits that are hard when null, soft with this cost per unit otherwise.
    consecutive_days: Weight | None = None
    consecutive_days_off: Weight | None = None
    consecutive_shift_type: Weight | None = None
    assignments: Weight | None = None
    weekends: Weight | None = None
    complete_weekends: Weight | None = None


class Rules(Model):
    min_rest_hours: float = Field(default=10, ge=0, le=48)
    max_consecutive_screener_days: int = Field(default=2, ge=1, le=MAX_HORIZON_DAYS)
    screener_skill: str = "screener"


class Problem(Model):
    """Plan analysts onto shift types for the days `start`..`end` (inclusive)."""

    start: date
    end: date
    timezone: str = "UTC"
    team: str = ""
    shift_types: list[ShiftTypeSpec]
    analysts: list[AnalystSpec]
    coverage: list[Coverage] = Field(default_factory=list)
    requests: list[ShiftRequest] = Field(default_factory=list)
    history: dict[int, list[HistoryDay]] = Field(
        default_factory=dict, description="Analyst id → the days before the horizon, any order."
    )
    fairness_history: dict[int, FairnessCounts] = Field(default_factory=dict)
    contract_history: dict[int, ContractCounts] = Field(
        default_factory=dict,
        description="Analyst id → what counts toward the contract's limits from before the horizon.",
    )
    locked: list[Assignment] = Field(default_factory=list)
    hint: list[Assignment] | None = Field(
        default=None,
        description="The current roster, for re-planning: each change against it costs `weights.change`. "
        "Null: planning from scratch (no change term); an empty list: the current roster is empty.",
    )
    weights: Weights = Field(default_factory=Weights)
    rules: Rules = Field(default_factory=Rules)

    @model_validator(mode="after")
    def _consistent(self) -> Problem:
        if self.end < self.start:
            raise ValueError("end is before start")
        if self.horizon_days > MAX_HORIZON_DAYS:
            raise ValueError(f"the horizon is at most {MAX_HORIZON_DAYS} days")
        shift_ids = {s.id for s in self.shift_types}
        analyst_ids = {a.id for a in self.analysts}
        if len(shift_ids) != len(self.shift_types) or len(analyst_ids) != len(self.analysts):
            raise ValueError("shift type and analyst ids must be unique")
        for shift in self.shift_types:
            if not set(shift.forbidden_next) <= shift_ids:
                raise ValueError(f"shift type {shift.id} forbids unknown shift types")
        for analyst in self.analysts:
            if not set(analyst.contract.max_shifts_per_type) <= shift_ids:
                raise ValueError(f"analyst {analyst.id}'s contract names unknown shift types")
        referenced: list[tuple[int | None, int | None]] = [
            (c.shift_type_id, None) for c in self.coverage
        ]
        referenced += [(r.shift_type_id, r.analyst_id) for r in self.requests]
        referenced += [(a.shift_type_id, a.analyst_id) for a in (*self.locked, *(self.hint or ()))]
        referenced += [(u.shift_type_id, a.id) for a in self.analysts for u in a.unavailable]
        for shift_id, analyst_id in referenced:
            if shift_id is not None and shift_id not in shift_ids:
                raise ValueError(f"unknown shift type {shift_id}")
            if analyst_id is not None and analyst_id not in analyst_ids:
                raise ValueError(f"unknown analyst {analyst_id}")
        counted = (self.history, self.fairness_history, self.contract_history)
        if any(not set(by_analyst) <= analyst_ids for by_analyst in counted):
            raise ValueError("history names unknown analysts")
        dated = (
            [c.date for c in self.coverage]
            + [r.date for r in self.requests]
            + [a.date for a in self.locked]
            + [u.date for a in self.analysts for u in a.unavailable]
        )
        if any(not self.start <= day <= self.end for day in dated):
            raise ValueError(
                "coverage, requests, locked assignments and unavailable shifts must lie within "
                "the horizon"
            )
        needs = [(c.date, c.shift_type_id) for c in self.coverage]
        if len(needs) != len(set(needs)):
            raise ValueError("one coverage entry per day and shift type")
        return self

    @property
    def horizon_days(self) -> int:
        return (self.end - self.start).days + 1

    def days(self) -> Iterator[date]:
        for offset in range(self.horizon_days):
            yield self.start + timedelta(days=offset)
