from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from shiftplanner.kit.schemas import InputSchema, Schema, TimestampedSchema
from shiftplanner.kit.validators import Id


class CalendarFeedCreate(InputSchema):
    """Whose schedule the feed shows: one analyst's or one team's (exactly one of them)."""

    analyst_id: Id | None = Field(default=None, description="The analyst whose shifts it shows.")
    team_id: Id | None = Field(
        default=None, description="The team whose shifts (of every analyst) it shows."
    )

    @model_validator(mode="after")
    def _one_subject(self) -> CalendarFeedCreate:
        if (self.analyst_id is None) == (self.team_id is None):
            raise ValueError("give exactly one of `analyst_id` and `team_id`")
        return self


class CalendarFeed(TimestampedSchema):
    id: int
    org_id: int
    analyst_id: int | None = Field(description="Set for an analyst's feed.")
    team_id: int | None = Field(description="Set for a team's feed.")
    token_prefix: str = Field(
        description="The first characters of the feed's secret token, to tell feeds apart."
    )
    created_by_user_id: int | None = Field(
        description="Who made it. The feed shows what this user may read, and works only "
        "while they are an active user of the organization."
    )
    revoked_at: datetime | None = Field(description="Set once revoked: the URL answers 404.")
    last_fetched_at: datetime | None = Field(
        description="When a calendar app last fetched it (recorded at most once a minute)."
    )


class CalendarFeedSecret(Schema):
    url: str = Field(
        description="The feed's address, its secret token included: subscribe to it in a "
        "calendar app. Store it now: it is not shown again."
    )
    feed: CalendarFeed
