from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin


class TeamScheduleSettings(TimestampMixin, Base):
    """How schedule generation weighs a team's soft rules, and the team's own rules."""

    __tablename__ = "team_schedule_settings"

    team_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # The solver's `Weights`, by name; missing ones take the solver's defaults.
    weights: Mapped[dict[str, Any]] = mapped_column(default=dict)
    max_consecutive_screener_days: Mapped[int] = mapped_column(default=2)
    screeners_on_weekends: Mapped[bool] = mapped_column(default=False)
    # Holidays are days off for the team's analysts (and need no coverage).
    holidays_off: Mapped[bool] = mapped_column(default=True)
    # How far back weekends, nights and screener days count for fairness.
    fairness_window_days: Mapped[int] = mapped_column(default=56)
