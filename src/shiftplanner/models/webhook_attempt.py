from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, enum_column


class AttemptTrigger(StrEnum):
    SCHEDULED = "scheduled"  # the first attempt or a retry of the schedule
    MANUAL = "manual"  # someone asked for a retry
    REPLAY = "replay"
    TEST = "test"


class WebhookAttempt(Base):
    """One POST of a delivery and how it went: the receiver's status and a bounded excerpt
    of its answer, or the error (timeout, refused address), and how long it took."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        Index("ix_webhook_attempts_delivery", "delivery_id", "attempt"),
        # Statistics and the failure-rate metric read one organization's recent attempts.
        Index("ix_webhook_attempts_org_started", "org_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    delivery_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempt: Mapped[int]
    trigger: Mapped[AttemptTrigger] = mapped_column(
        enum_column(AttemptTrigger, "webhook_attempt_trigger")
    )
    started_at: Mapped[datetime]
    duration_ms: Mapped[float]
    succeeded: Mapped[bool]
    status_code: Mapped[int | None] = mapped_column(default=None)
    response_excerpt: Mapped[str | None] = mapped_column(Text, default=None)
    error: Mapped[str | None] = mapped_column(String(2000), default=None)
