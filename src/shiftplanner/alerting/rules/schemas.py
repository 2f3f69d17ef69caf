"""Alert rules in the product documents' shape (camelCase):
`{name, type, condition: {metric, operator, threshold, durationMinutes}, severity, enabled}`
plus labels, a description, keepFiringMinutes, the escalation policy and the channels."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from shiftplanner.alerting import metrics
from shiftplanner.alerting.alerts.schemas import Alert, CamelInput, CamelSchema
from shiftplanner.kit.schemas import UpdateSchema
from shiftplanner.kit.validators import Id, Name
from shiftplanner.models import AlertRule, AlertSeverity, ComparisonOperator

MAX_MINUTES = 7 * 24 * 60
# Label names as Prometheus allows them, so the export can carry them.
LabelName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")]
LabelValue = Annotated[str, StringConstraints(max_length=200)]
RuleType = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_]{1,64}$")]


class ConditionInput(CamelInput):
    metric: str = Field(description="One of the metrics of `GET /monitoring/alert-rules/metrics`.")
    operator: ComparisonOperator
    threshold: float = Field(allow_inf_nan=False)
    duration_minutes: int = Field(
        default=0,
        ge=0,
        le=MAX_MINUTES,
        description="How long the condition must hold before the alert fires (0: at once).",
    )
    window_minutes: int = Field(
        default=5,
        ge=1,
        le=24 * 60,
        description="The stored minutes a service metric is computed over.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="The metric's parameters: `days` (1-90) and `team_id` for the "
        "scheduling metrics.",
    )

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in metrics.REGISTRY:
            raise ValueError(f"unknown metric {value!r}; one of: {', '.join(metrics.names())}")
        return value

    @model_validator(mode="after")
    def _known_params(self) -> Self:
        metric = metrics.REGISTRY.get(self.metric)
        if metric is not None:
            self.params = metric.check_params(self.params)
        return self


Labels = Annotated[dict[LabelName, LabelValue], Field(max_length=20)]
ChannelIds = Annotated[list[Id], Field(max_length=20)]


class RuleCreate(CamelInput):
    name: Name
    type: RuleType = Field(
        default="CUSTOM", description="A category: PERFORMANCE_DEGRADATION, HIGH_ERROR_RATE, ..."
    )
    condition: ConditionInput
    severity: AlertSeverity
    enabled: bool = True
    labels: Labels = Field(default_factory=dict)
    description: str = Field(default="", max_length=2000)
    keep_firing_minutes: int = Field(
        default=0,
        ge=0,
        le=MAX_MINUTES,
        description="How long the condition may stop holding before the alert resolves.",
    )
    escalation_policy_id: Id | None = None
    channel_ids: ChannelIds = Field(
        default_factory=list, description="Channels told when an alert fires and resolves."
    )
    notify_resolved: bool = True


class RuleUpdate(UpdateSchema, CamelInput):
    """Only the fields sent change; `condition` is replaced whole."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset({"escalation_policy_id"})

    name: Name | None = None
    type: RuleType | None = None
    condition: ConditionInput | None = None
    severity: AlertSeverity | None = None
    enabled: bool | None = None
    labels: Labels | None = None
    description: str | None = Field(default=None, max_length=2000)
    keep_firing_minutes: int | None = Field(default=None, ge=0, le=MAX_MINUTES)
    escalation_policy_id: Id | None = None
    channel_ids: ChannelIds | None = None
    notify_resolved: bool | None = None
    version: int | None = Field(
        default=None, ge=1, description="The version you read: refused (409) if stale."
    )


class Condition(CamelSchema):
    metric: str
    operator: ComparisonOperator
    threshold: float
    duration_minutes: int
    window_minutes: int
    params: dict[str, Any]


class Rule(CamelSchema):
    id: int
    name: str
    type: str
    condition: Condition
    severity: AlertSeverity
    enabled: bool
    labels: dict[str, Any]
    description: str
    keep_firing_minutes: int
    escalation_policy_id: int | None
    channel_ids: list[int]
    notify_resolved: bool
    default_key: str | None = Field(description="The default rule this was created as.")
    last_evaluated_at: datetime | None
    last_value: float | None
    last_state: str | None = Field(description="ok, no_data, pending, firing or error.")
    last_error: str | None
    open_alerts: list[Alert] = Field(
        default_factory=list, description="The rule's open alerts (pending or firing)."
    )
    created_at: datetime
    updated_at: datetime
    version: int

    @model_validator(mode="before")
    @classmethod
    def _from_rule(cls, value: Any) -> Any:
        if not isinstance(value, AlertRule):
            return value
        fields = {
            name: getattr(value, name)
            for name in cls.model_fields
            if name not in ("condition", "open_alerts")
        }
        fields["condition"] = Condition.model_validate(value)
        return fields


class MetricInfo(CamelSchema):
    name: str
    unit: str
    description: str
    scope: metrics.Scope = Field(
        description="service: the whole service (platform operator only); schedule: your "
        "organization's schedule, one value per team."
    )
    params: list[str]
    prometheus: bool = Field(description="Whether the Prometheus export can carry it.")
