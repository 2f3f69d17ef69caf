from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin


class WebhookEndpoint(TimestampMixin, Base):
    """A webhook subscription: where an organization's events go (`url`), which ones
    (`events`, with wildcards such as `schedule.*`), signed with `secret` the Standard
    Webhooks way. After a rotation the previous secret signs too until
    `previous_secret_expires_at`, so receivers can switch without losing a message."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(2000), default=None)
    # Event types and patterns ("schedule.*", "*"); a message goes if one matches.
    events: Mapped[list[str]] = mapped_column(default=list)
    secret: Mapped[str] = mapped_column(String(200))
    previous_secret: Mapped[str | None] = mapped_column(String(200), default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Why the service disabled it (410 Gone, failing for days); None when a user did.
    disabled_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    # Messages go one at a time in order of creation unless the endpoint opts out.
    ordered: Mapped[bool] = mapped_column(default=True)
    # One message for all the events of one request (a bulk write, a roster applied).
    batch: Mapped[bool] = mapped_column(default=False)
    # Since when every attempt failed (None after a success): disabling counts from it.
    failing_since: Mapped[datetime | None] = mapped_column(default=None)
    # A sender holds the endpoint until then, so one process sends to it at a time.
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    created_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012
