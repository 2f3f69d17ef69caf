from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.kit.time import utcnow
from shiftplanner.models.base import Base, IdType


class WebhookMessage(Base):
    """One webhook body, exactly as it is signed and sent (`body` is the JSON text), shared
    by every endpoint it goes to and by every attempt: its id is the `webhook-id`
    receivers drop duplicates by."""

    __tablename__ = "webhook_messages"
    __table_args__ = (Index("ix_webhook_messages_event", "event_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    # The outbox event it was made of (the first of a batch); None for a test message.
    event_id: Mapped[int | None] = mapped_column(IdType, default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.id}"
