from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from shiftplanner.conflicts.schemas import Conflict
from shiftplanner.kit.schemas import InputSchema, Schema, TimestampedSchema
from shiftplanner.kit.validators import Day, Id
from shiftplanner.models import AbsenceKind, AbsenceStatus
from shiftplanner.schedules.schemas import Assignment

MAX_ABSENCE_DAYS = 366

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class AbsenceCreate(InputSchema):
    analyst_id: Id | None = Field(
        default=None,
        description="Whose absence; leave out to request your own (as the analyst you are linked to).",
    )
    start_date: Day = Field(description="First day away, local to the analyst's team.")
    end_date: Day = Field(description="Last day away, inclusive.")
    kind: AbsenceKind
    note: Note = ""

    @model_validator(mode="after")
    def _span(self) -> AbsenceCreate:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        if (self.end_date - self.start_date).days + 1 > MAX_ABSENCE_DAYS:
            raise ValueError(f"an absence spans at most {MAX_ABSENCE_DAYS} days; request several")
        return self


class AbsenceDecision(InputSchema):
    note: Note = ""


class Absence(TimestampedSchema):
    id: int
    org_id: int
    analyst_id: int
    start_date: date
    end_date: date
    kind: AbsenceKind
    status: AbsenceStatus
    note: str
    requested_by_user_id: int | None
    decided_by_user_id: int | None
    decided_at: datetime | None
    decision_note: str


class AbsenceApproval(Schema):
    absence: Absence
    stranded_assignments: list[Assignment] = Field(
        description="Assignments of the analyst during the absence: they need someone else."
    )
    conflicts: list[Conflict] = Field(
        description="Conflicts the approval created (stranded shifts, coverage gaps)."
    )
