from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin, enum_column


class AssignmentSource(StrEnum):
    MANUAL = "manual"
    GENERATED = "generated"
    IMPORTED = "imported"


class Assignment(TimestampMixin, Base):
    """One analyst working one shift type on one (local) date."""

    __tablename__ = "assignments"
    __table_args__ = (
        # One analyst's schedule by date. Not unique: double bookings (of which a
        # duplicate is one kind) are refused by the conflict rules under the analyst's
        # row lock, and a unique key would refuse a swap of two analysts in one bulk.
        Index("ix_assignments_analyst_date", "analyst_id", "date"),
        # The schedule of an organization for a date range, in keyset order.
        Index("ix_assignments_org_date", "org_id", "date", "id"),
        # Coverage of one shift type per day.
        Index("ix_assignments_shift_type_date", "shift_type_id", "date"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    analyst_id: Mapped[int] = mapped_column(IdType, ForeignKey("analysts.id", ondelete="RESTRICT"))
    shift_type_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("shift_types.id", ondelete="RESTRICT")
    )
    date: Mapped[dt.date]
    is_screener: Mapped[bool] = mapped_column(default=False)
    source: Mapped[AssignmentSource] = mapped_column(
        enum_column(AssignmentSource, "assignment_source"), default=AssignmentSource.MANUAL
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    # The skill need of its shift this assignment covers (one of the analyst's skills).
    skill: Mapped[str | None] = mapped_column(String(64), default=None)
    # Kept as it is by schedule generation.
    is_locked: Mapped[bool] = mapped_column(default=False)
    # Optimistic concurrency: every UPDATE checks and bumps it (SQLAlchemy version counter).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012
