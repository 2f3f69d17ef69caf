from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, JSONType, TimestampMixin


class EscalationPolicy(TimestampMixin, Base):
    """Ordered steps, each "wait N minutes, then notify a target" (a user, a channel, a
    role, or the analysts on shift now in a team), run again up to `repeat` times until
    someone acknowledges the alert. Steps are JSON validated by the API's schema:
    `[{"wait_minutes": 0, "target": {"type": "on_shift", "team_id": 1, ...}}, ...]`."""

    __tablename__ = "escalation_policies"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Further rounds through the steps after the first.
    repeat: Mapped[int] = mapped_column(default=0)
    # While an acknowledged alert still fires: remind whoever acknowledged it every N
    # minutes, and let the acknowledgement lapse after M minutes (escalation restarts).
    reminder_minutes: Mapped[int | None] = mapped_column(default=None)
    unacknowledge_after_minutes: Mapped[int | None] = mapped_column(default=None)
    # Where a notification goes when its own channel keeps failing.
    fallback_channel_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("notification_channels.id", ondelete="SET NULL"), default=None
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012
