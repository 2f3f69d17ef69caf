from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from shiftplanner.kit.schemas import InputSchema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.validators import Name, TimezoneName

TeamCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9_-]{1,16}$"),
]


class TeamCreate(InputSchema):
    name: Name
    code: TeamCode
    timezone: TimezoneName


class TeamUpdate(UpdateSchema):
    name: Name | None = None
    code: TeamCode | None = None
    timezone: TimezoneName | None = None


class Team(TimestampedSchema):
    id: int
    org_id: int
    name: str
    code: str
    timezone: str
