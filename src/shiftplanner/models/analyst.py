from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin

SCREENER_SKILL = "screener"


class Analyst(TimestampMixin, Base):
    """A person who works shifts. May be linked to the user account they log in with."""

    __tablename__ = "analysts"
    __table_args__ = (UniqueConstraint("org_id", "email"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("teams.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), unique=True, default=None
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    # E.164 ("+4915112345678"): where an on-shift page goes by SMS.
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    skills: Mapped[list[str]] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    # {"preferred_shift_type_ids": [...], "preferred_days_off": ["sat", ...]}
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What schedule generation holds the analyst to: the solver's `Contract`, by name
    # (max_shifts_per_type, min_minutes, max_minutes, max_consecutive_days, ...).
    contract: Mapped[dict[str, Any]] = mapped_column(default=dict)

    @property
    def is_screener(self) -> bool:
        return SCREENER_SKILL in self.skills
