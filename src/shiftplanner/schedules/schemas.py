from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints, model_validator

from shiftplanner.analysts.schemas import Skill
from shiftplanner.conflicts.schemas import Conflict
from shiftplanner.kit.schemas import InputSchema, Schema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.validators import FIRST_DAY, LAST_DAY, Day, Id
from shiftplanner.kit.versions import Version
from shiftplanner.models import AssignmentSource

MAX_BULK_ITEMS = 1000

Note = Annotated[str, StringConstraints(max_length=500)]
CoveredSkill = Annotated[
    Skill,
    Field(
        description="The skill need of the shift (coverage requirements' `skills`) this "
        "assignment covers; one of the analyst's skills. Null: none."
    ),
]


class AssignmentFields(InputSchema):
    analyst_id: Id
    shift_type_id: Id
    date: Day = Field(
        description="The local date (in the shift type's team time zone) the shift starts."
    )
    is_screener: bool = False
    skill: CoveredSkill | None = None
    note: Note = ""
    source: AssignmentSource = AssignmentSource.MANUAL
    is_locked: bool = Field(
        default=False, description="Schedule generation keeps a locked assignment as it is."
    )


class AssignmentCreate(AssignmentFields):
    pass


class AssignmentUpdate(UpdateSchema):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"skill"})

    analyst_id: Id | None = None
    shift_type_id: Id | None = None
    date: Day | None = None
    is_screener: bool | None = None
    skill: CoveredSkill | None = None
    note: Note | None = None
    is_locked: bool | None = None
    version: Version | None = Field(
        default=None,
        description="The version you read; or send it as `If-Match`. One of the two is required.",
    )


class Assignment(TimestampedSchema):
    id: int
    org_id: int
    analyst_id: int
    shift_type_id: int
    date: date
    is_screener: bool
    skill: str | None
    source: AssignmentSource
    note: str
    is_locked: bool
    version: int


class AssignmentWritten(Assignment):
    conflicts: list[Conflict] = Field(
        description="Warnings the schedule has around this assignment after the write."
    )


class BulkItem(AssignmentFields):
    """A new assignment, or with `id` and `version` the full replacement of one."""

    id: Id | None = None
    version: Version | None = None

    @model_validator(mode="after")
    def _version_with_id(self) -> BulkItem:
        if self.id is not None and self.version is None:
            raise ValueError(
                "an item that replaces an assignment (`id`) needs the `version` you read"
            )
        return self


class BulkDelete(InputSchema):
    id: Id
    version: Version


class BulkRequest(InputSchema):
    items: list[BulkItem] = Field(default_factory=list, max_length=MAX_BULK_ITEMS)
    deletes: list[BulkDelete] = Field(default_factory=list, max_length=MAX_BULK_ITEMS)

    @model_validator(mode="after")
    def _something_to_do(self) -> BulkRequest:
        if not self.items and not self.deletes:
            raise ValueError("send at least one item or delete")
        ids = [item.id for item in self.items if item.id is not None] + [d.id for d in self.deletes]
        if len(ids) != len(set(ids)):
            raise ValueError("each assignment id may appear only once in items and deletes")
        return self


class BulkResult(Schema):
    created: list[Assignment]
    updated: list[Assignment]
    deleted: list[int]
    conflicts: list[Conflict] = Field(
        description="Warnings around the changed assignments after the write."
    )


class AssignmentDeleted(Schema):
    id: int
    conflicts: list[Conflict] = Field(
        description="Warnings the deletion leaves, e.g. a coverage gap."
    )


def _check_moment(moment: datetime) -> datetime:
    # Bounded like every date a client sends, so local-date arithmetic cannot overflow.
    if not FIRST_DAY.year <= moment.year <= LAST_DAY.year:
        raise ValueError(f"must be between {FIRST_DAY.year} and {LAST_DAY.year}")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_check_moment)]


class OnShiftAnalyst(Schema):
    """One analyst on shift at the moment asked."""

    analyst_id: int
    name: str
    shift_type_id: int
    shift_type_name: str
    date: Day = Field(description="The local date the shift started on.")
    starts_at: datetime = Field(description="When the shift started (UTC).")
    ends_at: datetime = Field(description="When it ends (UTC).")
    is_screener: bool = Field(description="On screener duty on this shift.")
    email: str | None = Field(description="Managers and admins only; null for other roles.")
    phone: str | None = Field(
        description="E.164; managers and admins only, null for other roles or when unknown."
    )


class OnShiftNow(Schema):
    """Who of a team is on shift at a moment: live schedule, less approved absences and
    inactive analysts."""

    team_id: int
    at: datetime
    items: list[OnShiftAnalyst]
