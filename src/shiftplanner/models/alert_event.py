from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.kit.time import utcnow
from shiftplanner.models.base import Base, IdType


class AlertEvent(Base):
    """One entry of an alert's history: every state change, acknowledgement, silence,
    escalation step (done or skipped) and notification, with who caused it (None: the
    evaluator or the escalation timer)."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_alert_id", "alert_id", "id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(IdType, ForeignKey("alerts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # pending | firing | resolved | inactive | reopened | acknowledged | unacknowledged |
    # silenced | unsilenced | escalated | step_skipped | escalation_exhausted | notified |
    # reminded
    kind: Mapped[str] = mapped_column(String(32))
    actor_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    message: Mapped[str] = mapped_column(String(1000), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
