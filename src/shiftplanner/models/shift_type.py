from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin


class ShiftType(TimestampMixin, Base):
    """A kind of shift (MORNING, NIGHT ...) of one team, in the team's local time: it
    starts on its day at `start_time` and ends at `end_time`, on the next day when
    `end_time` is not after `start_time`."""

    __tablename__ = "shift_types"
    __table_args__ = (
        UniqueConstraint("team_id", "name"),
        CheckConstraint("required_headcount >= 0", name="headcount_not_negative"),
        CheckConstraint(
            "screeners_required >= 0 AND screeners_required <= required_headcount",
            name="screeners_within_headcount",
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("teams.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    start_time: Mapped[time]
    end_time: Mapped[time]
    # Weekday names ("mon" ... "sun") on which the shift runs and needs coverage.
    days_of_week: Mapped[list[str]] = mapped_column(default=list)
    required_headcount: Mapped[int] = mapped_column(default=1)
    screeners_required: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Shift types of the team that may not be worked the day after this one.
    forbidden_next_ids: Mapped[list[int]] = mapped_column(default=list)
    # Counts as a night for fairness.
    is_night: Mapped[bool] = mapped_column(default=False)
    # Least and most days in a row an analyst works it (at most three nights in a row);
    # null: no limit.
    min_consecutive: Mapped[int | None] = mapped_column(default=None)
    max_consecutive: Mapped[int | None] = mapped_column(default=None)

    @property
    def duration_minutes(self) -> int:
        """Nominal length on the wall clock (a DST change makes the real one differ)."""
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        return (end - start) % (24 * 60) or 24 * 60

    @property
    def ends_next_day(self) -> bool:
        """Whether the shift runs past midnight into the next day."""
        start = self.start_time.hour * 60 + self.start_time.minute
        return start + self.duration_minutes > 24 * 60
