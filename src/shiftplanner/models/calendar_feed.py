from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin


class CalendarFeed(TimestampMixin, Base):
    """A secret iCalendar URL (`/ical/<token>.ics`) with the schedule of one analyst or
    one team, for calendar apps to subscribe to. The token is the only credential a
    calendar app sends, so only its SHA-256 is stored; it is shown once, when the feed is
    created or regenerated."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        # Exactly one subject: an analyst or a team.
        CheckConstraint(
            "(analyst_id IS NULL AND team_id IS NOT NULL) "
            "OR (analyst_id IS NOT NULL AND team_id IS NULL)",
            name="one_subject",
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # Deleting the subject (possible only while it has no history) takes its feeds along.
    analyst_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("analysts.id", ondelete="CASCADE"), index=True, default=None
    )
    team_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("teams.id", ondelete="CASCADE"), index=True, default=None
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, so that people can tell their feeds apart.
    token_prefix: Mapped[str] = mapped_column(String(8))
    # The feed shows what its creator may read, and only while they are an active user.
    created_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_fetched_at: Mapped[datetime | None] = mapped_column(default=None)
