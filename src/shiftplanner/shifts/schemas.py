from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from shiftplanner.kit.schemas import InputSchema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.time import Weekday
from shiftplanner.kit.validators import Id

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

    @model_validator(mode="after")
    def _consistent(self) -> ShiftTypeCreate:
        check_shape(
            self.start_time, self.end_time, self.required_headcount, self.screeners_required
        )
        return self


class ShiftTypeUpdate(UpdateSchema):
    team_id: Id | None = None
    name: ShiftName | None = None
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    days_of_week: Days | None = None
    required_headcount: Headcount | None = None
    screeners_required: Headcount | None = None
    is_active: bool | None = None


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
    duration_minutes: int


def check_shape(start: time, end: time, headcount: int, screeners: int) -> None:
    """The rules a shift type must keep, for a new one and after a partial update."""
    if start == end:
        raise ValueError("start_time and end_time are equal; a shift needs a length")
    if screeners > headcount:
        raise ValueError("screeners_required cannot exceed required_headcount")
