from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin, enum_column


class ChannelType(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    WEBHOOK = "webhook"
    SMS = "sms"
    IN_APP = "in_app"


class NotificationChannel(TimestampMixin, Base):
    """Where notifications go: email addresses, a Slack incoming webhook, a generic
    webhook (signed the Standard Webhooks way with `secret`), phone numbers for SMS, or
    users' in-app feeds. `config` holds the addresses: {"to": [...]} for email and SMS,
    {"url": ...} for Slack and webhooks, {"user_ids": [...]} for in-app."""

    __tablename__ = "notification_channels"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[ChannelType] = mapped_column(enum_column(ChannelType, "channel_type"))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The webhook channel's signing secret (whsec_...); never shown after creation.
    secret: Mapped[str | None] = mapped_column(String(200), default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012
