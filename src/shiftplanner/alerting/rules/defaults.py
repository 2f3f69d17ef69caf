"""The default rules, from the product documents, given once to each organization: the
coverage and webhook rules to every organization, the service-wide rules to an organization that has a
platform operator (they span every tenant). `alert_defaults` remembers what each
organization received, so a default someone deleted stays deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.escalation import service as escalation_service
from shiftplanner.alerting.rules import schemas
from shiftplanner.alerting.rules.repository import AlertDefaultsRepository, AlertRuleRepository
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event
from shiftplanner.models import AlertDefaults, AlertRule, AlertSeverity, ComparisonOperator
from shiftplanner.orgs import service as org_service
from shiftplanner.users import service as user_service

GT, LT = ComparisonOperator.GT, ComparisonOperator.LT


@dataclass(frozen=True, slots=True)
class DefaultRule:
    key: str
    name: str
    type: str
    metric: str
    operator: ComparisonOperator
    threshold: float
    duration_minutes: int
    severity: AlertSeverity
    description: str
    keep_firing_minutes: int = 5
    params: dict[str, Any] = field(default_factory=dict)
    window_minutes: int = 5

    def rule(self, org_id: int, policy_id: int) -> AlertRule:
        return AlertRule(
            org_id=org_id,
            name=self.name,
            type=self.type,
            description=self.description,
            metric=self.metric,
            operator=self.operator,
            threshold=self.threshold,
            duration_minutes=self.duration_minutes,
            window_minutes=self.window_minutes,
            params=dict(self.params),
            severity=self.severity,
            enabled=True,
            labels={},
            keep_firing_minutes=self.keep_firing_minutes,
            escalation_policy_id=policy_id,
            channel_ids=[],
            notify_resolved=True,
            default_key=self.key,
        )


SERVICE_RULES = (
    DefaultRule(
        "response_time", "Slow responses", "PERFORMANCE_DEGRADATION", "averageResponseTime",
        GT, 500, 5, AlertSeverity.HIGH, "Mean response time above 500 ms for 5 minutes.",
    ),
    DefaultRule(
        "error_rate", "High error rate", "HIGH_ERROR_RATE", "errorRate",
        GT, 5, 2, AlertSeverity.CRITICAL, "More than 5 % of requests answered 5xx.",
    ),
    DefaultRule(
        "memory", "High memory use", "RESOURCE_EXHAUSTION", "memoryUsage",
        GT, 800, 10, AlertSeverity.HIGH, "The service's processes use more than 800 MB.",
    ),
    DefaultRule(
        "cpu", "High CPU use", "RESOURCE_EXHAUSTION", "cpuUsage",
        GT, 80, 10, AlertSeverity.MEDIUM, "The service's processes use more than 80 % CPU.",
    ),
    DefaultRule(
        "slow_queries", "Many slow queries", "DATABASE_PERFORMANCE", "slowQueryPercentage",
        GT, 10, 5, AlertSeverity.MEDIUM, "More than 10 % of SQL statements are slow.",
    ),
    DefaultRule(
        "cache_misses", "Response cache missing", "CACHE_PERFORMANCE", "cacheMissRate",
        GT, 30, 15, AlertSeverity.LOW, "More than 30 % of response-cache lookups miss.",
    ),
    DefaultRule(
        "availability", "Availability below 99.9 %", "AVAILABILITY", "availability",
        LT, 99.9, 5, AlertSeverity.CRITICAL, "The availability probe fails too often.",
    ),
)  # fmt: skip
SCHEDULE_RULES = (
    DefaultRule(
        "coverage_gaps", "Coverage gaps in the next 7 days", "COVERAGE_GAP", "coverageGaps",
        GT, 0, 0, AlertSeverity.MEDIUM,
        "A shift of a team has fewer analysts than it needs in the next 7 days.",
        keep_firing_minutes=0, params={"days": 7},
    ),
    # Retries are minutes to hours apart: the window is long enough to hold several.
    DefaultRule(
        "webhook_failures", "Webhooks failing", "INTEGRATION_FAILURE", "webhookFailureRate",
        GT, 50, 0, AlertSeverity.HIGH,
        "More than half of a webhook subscription's attempts failed in the last hour.",
        keep_firing_minutes=0, window_minutes=60,
    ),
)  # fmt: skip


async def _give(session: AsyncSession, org_id: int, defaults: tuple[DefaultRule, ...]) -> int:
    repository = AlertRuleRepository(session)
    taken = await repository.names(org_id)
    given = 0
    for default in defaults:
        # A rule of the organization's own has the name already: theirs wins.
        if default.name in taken:
            continue
        # Someone hears of a default rule's alert: the admins, in-app, until a policy of
        # the organization's own replaces it.
        policy = await escalation_service.default_policy(session, org_id)
        rule = await repository.add(default.rule(org_id, policy.id))
        emit_resource_event(
            session, EventType.ALERT_RULE_CREATED, rule, schemas.Rule, actor_user_id=None
        )
        given += 1
    return given


async def seed(session: AsyncSession, *, now: datetime) -> int:
    """Give the defaults to every organization that has not had them; returns how many
    rules were created. Cheap when there is nothing to do (three small queries)."""
    org_ids = await org_service.organization_ids(session)
    repository = AlertDefaultsRepository(session)
    seeded = await repository.all()
    if all(
        org_id in seeded
        and seeded[org_id].schedule_rules_at is not None
        and seeded[org_id].service_rules_at is not None
        for org_id in org_ids
    ):
        return 0
    operated = await user_service.organizations_with_operator(session)
    created = 0
    for org_id in org_ids:
        row = seeded.get(org_id) or await repository.add(AlertDefaults(org_id=org_id))
        if row.schedule_rules_at is None:
            created += await _give(session, org_id, SCHEDULE_RULES)
            row.schedule_rules_at = now
        if row.service_rules_at is None and org_id in operated:
            created += await _give(session, org_id, SERVICE_RULES)
            row.service_rules_at = now
    await session.flush()
    return created
