from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import StringConstraints, model_validator

from shiftplanner.kit.schemas import InputSchema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.validators import Day, Id

MAX_BLACKOUT_DAYS = 366

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


def check_span(start: date, end: date) -> None:
    if end < start:
        raise ValueError("end_date is before start_date")
    if (end - start).days + 1 > MAX_BLACKOUT_DAYS:
        raise ValueError(f"a blackout spans at most {MAX_BLACKOUT_DAYS} days")


class BlackoutDateCreate(InputSchema):
    """Either `team_id` or `analyst_id`: the whole team, or one analyst."""

    team_id: Id | None = None
    analyst_id: Id | None = None
    start_date: Day
    end_date: Day | None = None
    reason: Reason = ""

    @model_validator(mode="after")
    def _one_target(self) -> BlackoutDateCreate:
        if (self.team_id is None) == (self.analyst_id is None):
            raise ValueError("give exactly one of team_id and analyst_id")
        check_span(self.start_date, self.end_date or self.start_date)
        return self


class BlackoutDateUpdate(UpdateSchema):
    start_date: Day | None = None
    end_date: Day | None = None
    reason: Reason | None = None


class BlackoutDate(TimestampedSchema):
    id: int
    org_id: int
    team_id: int | None
    analyst_id: int | None
    start_date: date
    end_date: date
    reason: str
