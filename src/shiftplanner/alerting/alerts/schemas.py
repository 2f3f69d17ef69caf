"""Alerts as `/monitoring/alerts` shows them, in the product documents' camelCase."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from shiftplanner.kit.schemas import InputSchema, Schema
from shiftplanner.models import AlertSeverity, AlertStatus, ComparisonOperator

MAX_SILENCE_MINUTES = 30 * 24 * 60


class CamelSchema(Schema):
    model_config = ConfigDict(from_attributes=True, alias_generator=to_camel, populate_by_name=True)


class CamelInput(InputSchema):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        alias_generator=to_camel,
        populate_by_name=True,
    )


class Alert(CamelSchema):
    id: int
    rule_id: int | None = Field(description="Null once the rule was deleted.")
    rule_name: str
    fingerprint: str = Field(description="With the rule, the alert's identity (its labels).")
    labels: dict[str, Any]
    severity: AlertSeverity
    status: AlertStatus
    metric: str
    operator: ComparisonOperator
    threshold: float
    value: float | None = Field(description="The latest value the evaluator saw.")
    summary: str
    active_since: datetime = Field(description="When the condition began to hold.")
    fired_at: datetime | None
    last_true_at: datetime | None
    resolved_at: datetime | None
    resolved_by_user_id: int | None
    resolution: str | None = Field(
        description="condition_cleared, manual, rule_disabled, rule_deleted or no_data."
    )
    reopen_check: bool = Field(
        description="Resolved by hand while the condition held: the next evaluation "
        "reopens it if it still holds."
    )
    acknowledged_at: datetime | None
    acknowledged_by_user_id: int | None
    acknowledgement_expires_at: datetime | None
    silenced_until: datetime | None
    silenced_until_resolved: bool
    silenced_by_user_id: int | None
    escalation_policy_id: int | None
    escalation_step: int
    escalation_round: int
    next_escalation_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class AlertEvent(CamelSchema):
    """One entry of an alert's history."""

    id: int
    at: datetime
    kind: str = Field(
        description="pending, firing, resolved, inactive, reopened, acknowledged, "
        "unacknowledged, silenced, unsilenced, escalated, step_skipped, notified, reminded."
    )
    actor_user_id: int | None = Field(description="Who did it; null for the evaluator.")
    message: str
    details: dict[str, Any]


class AlertDetail(Alert):
    history: list[AlertEvent] = Field(description="The first entries, oldest first.")


class ResolvedAlert(Alert):
    message: str = Field(description="What happens next (whether it will reopen).")


class SilenceInput(CamelInput):
    """Either `minutes` or `untilResolved: true`."""

    minutes: int | None = Field(default=None, ge=1, le=MAX_SILENCE_MINUTES)
    until_resolved: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.minutes is None) == (not self.until_resolved):
            raise ValueError("give either minutes or untilResolved: true")
        return self
