from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.kit.time import utcnow
from shiftplanner.models.base import Base, IdType, enum_column


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"  # refused for what was asked (invalid, conflicting)
    DENIED = "denied"  # refused for who asked (no or wrong credentials, role, lockout)


class AuditLog(Base):
    """Who did what, when, from where, and how it went. Append-only: nothing in the
    service updates a row, and only the retention purge deletes one.

    No foreign keys on purpose: the trail must outlive the users, keys and resources it
    names."""

    __tablename__ = "audit_logs"
    __table_args__ = (
        # The audit log of an organization, newest first.
        Index("ix_audit_logs_org_occurred", "org_id", "occurred_at", "id"),
        # Recent entries about one resource (failed logins of an account, for the lockout).
        Index("ix_audit_logs_resource", "resource_type", "resource_id", "occurred_at"),
        Index("ix_audit_logs_occurred", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int | None] = mapped_column(IdType, default=None)
    actor_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    actor_api_key_id: Mapped[int | None] = mapped_column(IdType, default=None)
    client_ip: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(500), default=None)
    action: Mapped[str] = mapped_column(String(100))
    resource_type: Mapped[str | None] = mapped_column(String(64), default=None)
    resource_id: Mapped[int | None] = mapped_column(IdType, default=None)
    outcome: Mapped[AuditOutcome] = mapped_column(enum_column(AuditOutcome, "audit_outcome"))
    status_code: Mapped[int | None] = mapped_column(default=None)
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For updates: {"field": {"old": ..., "new": ...}}; secrets appear only as {"changed": true}.
    changes: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    details: Mapped[dict[str, Any] | None] = mapped_column(default=None)
