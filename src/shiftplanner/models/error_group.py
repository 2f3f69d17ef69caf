from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.kit.time import utcnow
from shiftplanner.models.base import Base, IdType


class ErrorGroup(Base):
    """Unhandled exceptions of one kind: the same type raised at the same place
    (`fingerprint`), counted, with the latest occurrence's request as a sample. No
    foreign keys: the record must outlive the users and organizations it names."""

    __tablename__ = "error_groups"
    __table_args__ = (Index("ix_error_groups_last_seen", "last_seen_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    exception_type: Mapped[str] = mapped_column(String(255))
    # `module:function:line` of the innermost frame of our own code.
    location: Mapped[str] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(String(1000))
    count: Mapped[int] = mapped_column(default=0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bounded, without locals.
    sample_traceback: Mapped[str] = mapped_column(Text)
    last_request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    last_method: Mapped[str | None] = mapped_column(String(16), default=None)
    last_route: Mapped[str | None] = mapped_column(String(255), default=None)
    last_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    last_api_key_id: Mapped[int | None] = mapped_column(IdType, default=None)
    last_org_id: Mapped[int | None] = mapped_column(IdType, default=None)
