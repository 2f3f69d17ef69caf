from __future__ import annotations

from datetime import time
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from shiftplanner.kit.schemas import InputSchema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.time import Weekday
from shiftplanner.kit.validators import Id
from shiftplanner.scheduling.problem import MAX_HORIZON_DAYS, MAX_RUN

ShiftName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def _local_minute(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("is a local time of the team; leave out the UTC offset")
    if value.second or value.microsecond:
        raise ValueError("must be whole minutes (HH:MM)")
    return value


def _distinct_days(days: list[Weekday]) -> list[Weekday]:
    if len(set(days)) != len(days):
        raise ValueError("lists a day twice")
    return sorted(days, key=list(Weekday).index)


LocalTime = Annotated[time, AfterValidator(_local_minute)]
Days = Annotated[list[Weekday], Field(min_length=1, max_length=7), AfterValidator(_distinct_days)]
Headcount = Annotated[int, Field(ge=0, le=500)]
MAX_FORBIDDEN_NEXT = 50


def _unique_sorted(ids: list[int]) -> list[int]:
    return sorted(set(ids))


ForbiddenNext = Annotated[
    list[Id],
    Field(
        max_length=MAX_FORBIDDEN_NEXT,
        description="Shift types of the same team that may not be worked the day after this one.",
    ),
    AfterValidator(_unique_sorted),
]
# The solver's bounds (`ShiftTypeSpec`); schedule generation holds every analyst to them.
LeastRun = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_RUN,
        description="Least days in a row an analyst works this shift type (schedule "
        "generation); null: no least.",
    ),
]
MostRun = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_HORIZON_DAYS,
        description="Most days in a row an analyst works this shift type (3: at most three "
        "nights in a row); null: no most.",
    ),
]


class ShiftTypeCreate(InputSchema):
    team_id: Id
    name: ShiftName
    start_time: LocalTime = Field(description="Local start time (HH:MM) in the team's time zone.")
    end_time: LocalTime = Field(
        description="Local end time; at or before the start means the next day."
    )
    days_of_week: Days = Field(default_factory=lambda: list(Weekday))
    required_headcount: Headcount = 1
    screeners_required: Headcount = 0
    is_active: bool = True
    forbidden_next_ids: ForbiddenNext = Field(default_factory=list)
    is_night: bool | None = Field(
        default=None,
        description="Counts as a night for fairness in schedule generation; "
        "left out: whether the shift ends after midnight.",
    )
    min_consecutive: LeastRun | None = None
    max_consecutive: MostRun | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ShiftTypeCreate:
        check_shape(
            self.start_time, self.end_time, self.required_headcount, self.screeners_required
        )
        if self.is_night is None:
            self.is_night = ends_after_midnight(self.start_time, self.end_time)
        return self


class ShiftTypeUpdate(UpdateSchema):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"min_consecutive", "max_consecutive"})

    team_id: Id | None = None
    name: ShiftName | None = None
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    days_of_week: Days | None = None
    required_headcount: Headcount | None = None
    screeners_required: Headcount | None = None
    is_active: bool | None = None
    forbidden_next_ids: ForbiddenNext | None = None
    is_night: bool | None = None
    min_consecutive: LeastRun | None = None
    max_consecutive: MostRun | None = None


class ShiftType(TimestampedSchema):
    id: int
    org_id: int
    team_id: int
    name: str
    start_time: time
    end_time: time
    days_of_week: list[Weekday]
    required_headcount: int
    screeners_required: int
    is_active: bool
    forbidden_next_ids: list[int]
    is_night: bool
    min_consecutive: int | None
    max_consecutive: int | None
    duration_minutes: int


def ends_after_midnight(start: time, end: time) -> bool:
    """Whether a shift runs into the next day past 00:00 (one ending at midnight does not)."""
    return end < start and end != time(0)


def check_shape(start: time, end: time, headcount: int, screeners: int) -> None:
    """The rules a shift type must keep, for a new one and after a partial update."""
    if start == end:
        raise ValueError("start_time and end_time are equal; a shift needs a length")
    if screeners > headcount:
        raise ValueError("screeners_required cannot exceed required_headcount")


def run_problem(least: int | None, most: int | None) -> str | None:
    """Why a least and a most days in a row cannot both hold; None when they can."""
    if least is not None and most is not None and least > most:
        return f"min_consecutive ({least}) exceeds max_consecutive ({most})"
    return None
