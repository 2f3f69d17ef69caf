from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from shiftplanner.kit.schemas import InputSchema, TimestampedSchema
from shiftplanner.kit.validators import Day, Id
from shiftplanner.models import RequestKind, RequestStatus

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
# A request weighs as much as ten analysts short at the default weights (under_cover 100,
# on/off requests 10): enough to say it matters, never enough to drown the roster. The
# solver's own weights go far higher; one person's wish should not.
MAX_REQUEST_WEIGHT = 1000
RequestWeight = Annotated[int, Field(ge=0, le=MAX_REQUEST_WEIGHT)]


class ShiftRequestCreate(InputSchema):
    analyst_id: Id | None = Field(
        default=None,
        description="Whose request; leave out to make your own (as the analyst you are linked to).",
    )
    kind: RequestKind = Field(description="`on`: wants to work it; `off`: wants it off.")
    date: Day = Field(description="The local day, in the analyst's team's time zone.")
    shift_type_id: Id | None = Field(
        default=None,
        description="One shift type of the analyst's team; left out: the whole day.",
    )
    weight: RequestWeight | None = Field(
        default=None,
        description="What granting it is worth to schedule generation (managers only), "
        f"0 to {MAX_REQUEST_WEIGHT}: on the scale of the team's weights (by default 10 for a "
        "request, 100 per analyst short); left out: the team's weight for its kind.",
    )
    note: Note = ""


class ShiftRequest(TimestampedSchema):
    id: int
    org_id: int
    analyst_id: int
    date: date
    shift_type_id: int | None
    kind: RequestKind
    weight: int | None
    status: RequestStatus
    note: str
    created_by_user_id: int | None
