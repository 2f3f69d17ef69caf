from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin


class NotificationPreference(TimestampMixin, Base):
    """What a user chose to receive beyond the in-app feed (absent: the defaults)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    # Email me when my shifts change, my requests are decided, a roster with me is applied.
    email_schedule_changes: Mapped[bool] = mapped_column(default=False)
