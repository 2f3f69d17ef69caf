from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin


class BlackoutDate(TimestampMixin, Base):
    """Days (`start_date`..`end_date`, inclusive) on which absences cannot be approved,
    for a whole team or for one analyst."""

    __tablename__ = "blackout_dates"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
        CheckConstraint("(team_id IS NULL) <> (analyst_id IS NULL)", name="team_or_analyst"),
        Index("ix_blackout_dates_org_start", "org_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("teams.id", ondelete="CASCADE"), default=None
    )
    analyst_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("analysts.id", ondelete="CASCADE"), default=None
    )
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500), default="")
