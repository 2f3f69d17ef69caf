from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from shiftplanner.conflicts.schemas import Conflict
from shiftplanner.kit.schemas import InputSchema, Schema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.validators import Day, Id
from shiftplanner.kit.versions import Version
from shiftplanner.models import AbsenceKind, AbsenceStatus
from shiftplanner.schedules.schemas import Assignment

MAX_ABSENCE_DAYS = 366

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


def span_problem(start: date, end: date) -> str | None:
    """Why `start`..`end` is not an absence's span; None if it is one."""
    if end < start:
        return "end_date is before start_date"
    if (end - start).days + 1 > MAX_ABSENCE_DAYS:
        return f"an absence spans at most {MAX_ABSENCE_DAYS} days; request several"
    return None


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
        problem = span_problem(self.start_date, self.end_date)
        if problem is not None:
            raise ValueError(problem)
        return self


class AbsenceUpdate(UpdateSchema):
    """A change of a requested absence; what is left out stays as it is."""

    start_date: Day | None = None
    end_date: Day | None = None
    kind: AbsenceKind | None = None
    note: Note | None = None
    version: Version | None = Field(
        default=None,
        description="The version you read; or send it as `If-Match`. One of the two is required.",
    )


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
    version: int


class AbsenceApproval(Schema):
    absence: Absence
    stranded_assignments: list[Assignment] = Field(
        description="Assignments of the analyst during the absence: they need someone else."
    )
    conflicts: list[Conflict] = Field(
        description="Conflicts the approval created (stranded shifts, coverage gaps)."
    )
