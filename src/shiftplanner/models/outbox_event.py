from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.kit.time import utcnow
from shiftplanner.models.base import Base, IdType


class OutboxEvent(Base):
    """A domain event, written in the transaction of the change it describes and handed
    to the consumers after commit by the dispatcher."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        # The dispatcher's queue: events not yet dispatched, oldest first.
        Index(
            "ix_outbox_events_pending",
            "id",
            postgresql_where=text("dispatched_at IS NULL"),
            sqlite_where=text("dispatched_at IS NULL"),
        ),
        Index("ix_outbox_events_org_occurred", "org_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), default=None
    )
    event_type: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[int | None] = mapped_column(IdType, default=None)
    actor_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    # The request that made the change: its consumers' log lines carry it on.
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    # The transaction that wrote it: a change's events go out together (a webhook batch,
    # one notice for a bulk write). Not the request: a job runs under its request's id,
    # and a client may send one X-Request-ID twice.
    change_id: Mapped[str | None] = mapped_column(String(128), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once every consumer has handled the event (or given up on it).
    dispatched_at: Mapped[datetime | None] = mapped_column(default=None)
    # A dispatcher holds the event until then; it doubles as the time of the next retry.
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
