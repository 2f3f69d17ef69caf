from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType


class AlertDefaults(Base):
    """When an organization received the default alert rules: once, so that a default
    someone deleted stays deleted. The service-wide rules go only to an organization
    with a platform operator."""

    __tablename__ = "alert_defaults"

    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    schedule_rules_at: Mapped[datetime | None] = mapped_column(default=None)
    service_rules_at: Mapped[datetime | None] = mapped_column(default=None)
