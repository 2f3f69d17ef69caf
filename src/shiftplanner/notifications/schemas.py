"""The in-app feed and the preferences (snake_case, like the rest of /api)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from shiftplanner.kit.schemas import InputSchema, Schema


class Notification(Schema):
    id: int
    kind: str = Field(description="alert.firing, schedule.changed, absence.decided, ...")
    title: str
    body: str
    link: str | None = Field(description="The page of the web app that shows what it is about.")
    severity: str | None
    alert_id: int | None
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None = Field(description="Null while unread.")


class UnreadCount(Schema):
    unread: int


class MarkedRead(Schema):
    marked: int = Field(description="How many were unread and are now read.")


class PreferencesInput(InputSchema):
    email_schedule_changes: bool = Field(
        description="Email me too (beyond the feed) when my shifts change, my absence or "
        "shift requests are decided, or a roster with me is applied."
    )


class Preferences(Schema):
    email_schedule_changes: bool
