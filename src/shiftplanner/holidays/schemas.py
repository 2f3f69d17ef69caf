from __future__ import annotations

from datetime import date

from pydantic import Field

from shiftplanner.kit.schemas import InputSchema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.validators import Day, Id, Name


class HolidayCreate(InputSchema):
    team_id: Id
    name: Name
    date: Day
    recurring: bool = Field(
        default=False, description="Repeats every year on the same month and day."
    )


class HolidayUpdate(UpdateSchema):
    name: Name | None = None
    date: Day | None = None
    recurring: bool | None = None


class Holiday(TimestampedSchema):
    id: int
    org_id: int
    team_id: int
    name: str
    date: date
    recurring: bool
