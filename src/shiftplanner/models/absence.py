from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin, enum_column


class AbsenceKind(StrEnum):
    VACATION = "vacation"
    SICK = "sick"
    TRAINING = "training"
    OTHER = "other"


class AbsenceStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Absence(TimestampMixin, Base):
    """Whole local days (`start_date`..`end_date`, inclusive, in the analyst's team time
    zone) on which an analyst is away."""

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
        Index("ix_absences_analyst_start", "analyst_id", "start_date"),
        Index("ix_absences_org_start", "org_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    analyst_id: Mapped[int] = mapped_column(IdType, ForeignKey("analysts.id", ondelete="RESTRICT"))
    start_date: Mapped[date]
    end_date: Mapped[date]
    kind: Mapped[AbsenceKind] = mapped_column(enum_column(AbsenceKind, "absence_kind"))
    status: Mapped[AbsenceStatus] = mapped_column(
        enum_column(AbsenceStatus, "absence_status"), default=AbsenceStatus.REQUESTED
    )
    note: Mapped[str] = mapped_column(String(1000), default="")
    requested_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decided_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_note: Mapped[str] = mapped_column(String(1000), default="")
    # Optimistic concurrency, as on assignments: every UPDATE checks and bumps it.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012
