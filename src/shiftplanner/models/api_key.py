from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, TimestampMixin, enum_column
from shiftplanner.roles import Role


class ApiKey(TimestampMixin, Base):
    """A credential for a machine client, acting with one role in one organization. Only
    a SHA-256 of its secret part is stored; the key is shown once, when created."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    # The public part of the key (`spk_<prefix>_<secret>`), to find it without a scan.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role, "api_key_role"))
    # Powers beyond the role: `monitoring` reads the service's own health and measurements
    # (`/metrics`, `/monitoring/...`), granted only by the platform operator.
    scopes: Mapped[list[str]] = mapped_column(default=list)
    created_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Why: `revoked` by an admin, or because its creator was disabled, demoted or deleted.
    revoked_reason: Mapped[str | None] = mapped_column(String(32), default=None)
