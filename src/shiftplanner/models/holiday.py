from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin


class Holiday(TimestampMixin, Base):
    """A public or company holiday of one team; `recurring` ones repeat every year on the
    same month and day."""

    __tablename__ = "holidays"
    __table_args__ = (
        UniqueConstraint("team_id", "date", "name"),
        Index("ix_holidays_org_date", "org_id", "date"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(IdType, ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date]
    recurring: Mapped[bool] = mapped_column(default=False)
