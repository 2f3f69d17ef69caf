from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin

DEFAULT_MIN_REST_HOURS = 10
DEFAULT_MAX_CONSECUTIVE_DAYS = 6


class Organization(TimestampMixin, Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # Scheduling rules the conflict checks apply to every team of the organization.
    min_rest_hours: Mapped[int] = mapped_column(default=DEFAULT_MIN_REST_HOURS)
    max_consecutive_days: Mapped[int] = mapped_column(default=DEFAULT_MAX_CONSECUTIVE_DAYS)
    # Nobody decides their own absence or shift request (the last active admin excepted).
    four_eyes: Mapped[bool] = mapped_column(default=True)
