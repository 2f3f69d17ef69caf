from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Double, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.alert_rule import AlertSeverity, ComparisonOperator
from shiftplanner.models.base import Base, IdType, TimestampMixin, enum_column


class AlertStatus(StrEnum):
    PENDING = "pending"  # the condition holds, not yet for the rule's duration
    FIRING = "firing"
    RESOLVED = "resolved"  # fired, then the condition cleared (or someone resolved it)
    INACTIVE = "inactive"  # the condition cleared while pending: it never fired


OPEN_ALERT_STATUSES = (AlertStatus.PENDING, AlertStatus.FIRING)


class Alert(TimestampMixin, Base):
    """One occurrence of a rule's condition for one label set, from pending to its end.
    At most one is open (pending or firing) per rule and label set; repeated evaluations
    update it. The rule's name, metric and threshold are copied, so the record stays
    readable after the rule changes or goes."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_open_rule_fingerprint",
            "rule_id",
            "fingerprint",
            unique=True,
            sqlite_where=text("status IN ('pending', 'firing')"),
            postgresql_where=text("status IN ('pending', 'firing')"),
        ),
        Index("ix_alerts_org_status", "org_id", "status"),
        Index("ix_alerts_next_escalation", "next_escalation_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("alert_rules.id", ondelete="SET NULL"), default=None
    )
    rule_name: Mapped[str] = mapped_column(String(200))
    # sha256 of the metric's labels (team, ...), sorted: with rule_id, the alert's identity.
    fingerprint: Mapped[str] = mapped_column(String(64))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    severity: Mapped[AlertSeverity] = mapped_column(enum_column(AlertSeverity, "alert_severity"))
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus, "alert_status"))
    metric: Mapped[str] = mapped_column(String(64))
    operator: Mapped[ComparisonOperator] = mapped_column(
        enum_column(ComparisonOperator, "comparison_operator")
    )
    threshold: Mapped[float] = mapped_column(Double)
    # The latest value the evaluator saw, and a one-line description of the condition.
    value: Mapped[float | None] = mapped_column(Double, default=None)
    summary: Mapped[str] = mapped_column(String(1000), default="")
    # When the condition began to hold (pending), fired, last held, and ended.
    active_since: Mapped[datetime]
    fired_at: Mapped[datetime | None] = mapped_column(default=None)
    last_true_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # condition_cleared | manual | rule_disabled | rule_deleted | no_data
    resolution: Mapped[str | None] = mapped_column(String(32), default=None)
    # A manual resolve while the condition still held: the next evaluation reopens it.
    reopen_check: Mapped[bool] = mapped_column(default=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # An acknowledgement lapses at this time if the alert still fires (policy option).
    acknowledgement_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    silenced_until: Mapped[datetime | None] = mapped_column(default=None)
    silenced_until_resolved: Mapped[bool] = mapped_column(default=False)
    silenced_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # Escalation: the policy taken when the alert fired, the next step (0-based) and
    # round, and when that step is due (None: nothing more to do).
    escalation_policy_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("escalation_policies.id", ondelete="SET NULL"), default=None
    )
    escalation_step: Mapped[int] = mapped_column(default=0)
    escalation_round: Mapped[int] = mapped_column(default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(default=None)
    # A reminder to whoever acknowledged it, while it still fires (policy option).
    next_reminder_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012
