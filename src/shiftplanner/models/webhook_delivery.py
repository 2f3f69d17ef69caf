from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.kit.time import utcnow
from shiftplanner.models.base import Base, IdType, enum_column
from shiftplanner.models.webhook_attempt import AttemptTrigger


class WebhookDeliveryStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # gave up (last attempt failed, or the endpoint was disabled)


class WebhookDelivery(Base):
    """One message to one endpoint, with its retries: pending until an attempt is
    answered 2xx or the schedule runs out. Every attempt is kept in `webhook_attempts`."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # An event is delivered to an endpoint once, however often it is handed over.
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_endpoint_status", "endpoint_id", "status", "event_id", "id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    message_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("webhook_messages.id", ondelete="CASCADE")
    )
    # Copied from the message so that lists filter without a join.
    event_type: Mapped[str] = mapped_column(String(64))
    # The outbox event this delivery answers (the consumer's idempotency key).
    event_id: Mapped[int | None] = mapped_column(IdType, default=None)
    status: Mapped[WebhookDeliveryStatus] = mapped_column(
        enum_column(WebhookDeliveryStatus, "webhook_delivery_status"),
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # Why the next attempt is made (a retry someone asked for, a replay, the schedule).
    next_trigger: Mapped[AttemptTrigger] = mapped_column(
        enum_column(AttemptTrigger, "webhook_attempt_trigger"), default=AttemptTrigger.SCHEDULED
    )
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(2000), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it was first attempted, and when it ended (succeeded or failed for good).
    first_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` of its message (see WebhookMessage.webhook_id)."""
        return f"msg_{self.message_id}"
