from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin, enum_column


class RequestKind(StrEnum):
    ON = "on"  # wants to work it
    OFF = "off"  # wants it off


class RequestStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class ShiftRequest(TimestampMixin, Base):
    """An analyst's wish for a day (or one shift type that day) that schedule generation
    weighs: to work it, or to have it off."""

    __tablename__ = "shift_requests"
    __table_args__ = (Index("ix_shift_requests_analyst_date", "analyst_id", "date"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    analyst_id: Mapped[int] = mapped_column(IdType, ForeignKey("analysts.id", ondelete="CASCADE"))
    date: Mapped[dt.date]
    shift_type_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("shift_types.id", ondelete="CASCADE"), default=None
    )
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind, "request_kind"))
    # Null: the team's default weight for its kind.
    weight: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.REQUESTED
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
