from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, enum_column


class ConsumptionStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"  # will be retried
    DEAD = "dead"  # gave up after the last attempt


class OutboxConsumption(Base):
    """How one consumer fared with one event. Rows exist only for events where some
    consumer failed, so that a retry re-runs just the consumers that have not succeeded."""

    __tablename__ = "outbox_consumptions"

    event_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("outbox_events.id", ondelete="CASCADE"), primary_key=True
    )
    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[ConsumptionStatus] = mapped_column(
        enum_column(ConsumptionStatus, "consumption_status")
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]
