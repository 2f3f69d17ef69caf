from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin, enum_column
from shiftplanner.models.notification_channel import ChannelType


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt (a fallback may have been queued)
    CANCELLED = "cancelled"  # no longer worth sending (the alert was acknowledged, ...)


class NotificationDelivery(TimestampMixin, Base):
    """One message to one recipient over one channel, with its outcome: queued in the
    transaction that decided to notify, sent by the delivery worker, retried with
    backoff. `dedupe_key` makes a notice that must go once (a resolved notice per
    channel) go once."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("org_id", "dedupe_key"),
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
        Index("ix_notification_deliveries_alert", "alert_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("alerts.id", ondelete="SET NULL"), default=None
    )
    channel_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("notification_channels.id", ondelete="SET NULL"), default=None
    )
    channel_type: Mapped[ChannelType] = mapped_column(enum_column(ChannelType, "channel_type"))
    # An email address, a URL, a phone number, or (in-app) a user id.
    recipient: Mapped[str] = mapped_column(String(2000))
    user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # alert.firing | alert.resolved | alert.reminder | alert.reopened | schedule.changed ...
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The structured message (Slack blocks, webhook JSON are built from it).
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    # A sender holds the row until then (so two senders never send it at once).
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(2000), default=None)
    response_status: Mapped[int | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set on a delivery queued because another one failed.
    fallback_for_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("notification_deliveries.id", ondelete="SET NULL"), default=None
    )
    # The policy's fallback channel, for when this one gives up.
    fallback_channel_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("notification_channels.id", ondelete="SET NULL"), default=None
    )
    dedupe_key: Mapped[str | None] = mapped_column(String(200), default=None)
