from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Double, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, JSONType, TimestampMixin, enum_column


class AlertSeverity(StrEnum):
    """As the product documents name them, strongest first."""

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class ComparisonOperator(StrEnum):
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    EQ = "eq"


class AlertRule(TimestampMixin, Base):
    """A condition over one metric (`metric` `operator` `threshold`) that must hold for
    `duration_minutes` before its alert fires, and may stop holding for
    `keep_firing_minutes` before it resolves. What the last evaluation saw is kept on the
    rule (`last_*`), so a rule whose metric has no data says so."""

    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    # A category from the documents (PERFORMANCE_DEGRADATION, HIGH_ERROR_RATE, ...).
    type: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(2000), default="")
    metric: Mapped[str] = mapped_column(String(64))
    operator: Mapped[ComparisonOperator] = mapped_column(
        enum_column(ComparisonOperator, "comparison_operator")
    )
    threshold: Mapped[float] = mapped_column(Double)
    duration_minutes: Mapped[int] = mapped_column(default=0)
    # The stored minutes a service metric is computed over (a rate over 5 minutes).
    window_minutes: Mapped[int] = mapped_column(default=5)
    # The metric's own parameters: {"days": 7, "team_id": 3, "shift_type_id": 9}.
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    severity: Mapped[AlertSeverity] = mapped_column(enum_column(AlertSeverity, "alert_severity"))
    enabled: Mapped[bool] = mapped_column(default=True)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    keep_firing_minutes: Mapped[int] = mapped_column(default=0)
    escalation_policy_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("escalation_policies.id", ondelete="SET NULL"), default=None
    )
    # Notification channels told when an alert of the rule fires and resolves.
    channel_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    notify_resolved: Mapped[bool] = mapped_column(default=True)
    # Which default rule this was created as (None for a rule a user wrote).
    default_key: Mapped[str | None] = mapped_column(String(64), default=None)
    last_evaluated_at: Mapped[datetime | None] = mapped_column(default=None)
    last_value: Mapped[float | None] = mapped_column(Double, default=None)
    # ok | no_data | pending | firing | error
    last_state: Mapped[str | None] = mapped_column(String(32), default=None)
    last_error: Mapped[str | None] = mapped_column(String(1000), default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012
