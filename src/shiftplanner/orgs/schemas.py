from __future__ import annotations

from pydantic import Field

from shiftplanner.kit.schemas import InputSchema, TimestampedSchema, UpdateSchema
from shiftplanner.kit.validators import Name, Slug, TimezoneName
from shiftplanner.models.organization import DEFAULT_MAX_CONSECUTIVE_DAYS, DEFAULT_MIN_REST_HOURS

FOUR_EYES = (
    "Nobody approves or rejects their own absence or shift request (the last active admin "
    "excepted, who has nobody to ask)."
)


class OrganizationCreate(InputSchema):
    name: Name
    slug: Slug
    timezone: TimezoneName = "UTC"
    min_rest_hours: int = Field(default=DEFAULT_MIN_REST_HOURS, ge=0, le=48)
    max_consecutive_days: int = Field(default=DEFAULT_MAX_CONSECUTIVE_DAYS, ge=1, le=31)
    four_eyes: bool = Field(default=True, description=FOUR_EYES)


class OrganizationUpdate(UpdateSchema):
    name: Name | None = None
    timezone: TimezoneName | None = None
    min_rest_hours: int | None = Field(default=None, ge=0, le=48)
    max_consecutive_days: int | None = Field(default=None, ge=1, le=31)
    four_eyes: bool | None = Field(default=None, description=FOUR_EYES)


class Organization(TimestampedSchema):
    id: int
    name: str
    slug: str
    timezone: str
    min_rest_hours: int
    max_consecutive_days: int
    four_eyes: bool = Field(description=FOUR_EYES)
