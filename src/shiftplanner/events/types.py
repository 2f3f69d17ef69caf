"""The domain events every change emits: one name per kind of change, one shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    ORGANIZATION_CREATED = "organization.created"
    ORGANIZATION_UPDATED = "organization.updated"
    TEAM_CREATED = "team.created"
    TEAM_UPDATED = "team.updated"
    TEAM_DELETED = "team.deleted"
    TEAM_SCHEDULE_SETTINGS_UPDATED = "team.schedule_settings_updated"
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_DELETED = "user.deleted"
    ANALYST_CREATED = "analyst.created"
    ANALYST_UPDATED = "analyst.updated"
    ANALYST_DELETED = "analyst.deleted"
    SHIFT_TYPE_CREATED = "shift_type.created"
    SHIFT_TYPE_UPDATED = "shift_type.updated"
    SHIFT_TYPE_DELETED = "shift_type.deleted"
    SCHEDULE_CREATED = "schedule.created"
    SCHEDULE_UPDATED = "schedule.updated"
    SCHEDULE_DELETED = "schedule.deleted"
    ABSENCE_REQUESTED = "absence.requested"
    ABSENCE_UPDATED = "absence.updated"
    ABSENCE_APPROVED = "absence.approved"
    ABSENCE_REJECTED = "absence.rejected"
    ABSENCE_CANCELLED = "absence.cancelled"
    HOLIDAY_CREATED = "holiday.created"
    HOLIDAY_UPDATED = "holiday.updated"
    HOLIDAY_DELETED = "holiday.deleted"
    BLACKOUT_DATE_CREATED = "blackout_date.created"
    BLACKOUT_DATE_UPDATED = "blackout_date.updated"
    BLACKOUT_DATE_DELETED = "blackout_date.deleted"
    COVERAGE_REQUIREMENT_CREATED = "coverage_requirement.created"
    COVERAGE_REQUIREMENT_UPDATED = "coverage_requirement.updated"
    COVERAGE_REQUIREMENT_DELETED = "coverage_requirement.deleted"
    SHIFT_REQUEST_CREATED = "shift_request.created"
    SHIFT_REQUEST_APPROVED = "shift_request.approved"
    SHIFT_REQUEST_REJECTED = "shift_request.rejected"
    SHIFT_REQUEST_DELETED = "shift_request.deleted"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    CALENDAR_FEED_CREATED = "calendar_feed.created"
    CALENDAR_FEED_REGENERATED = "calendar_feed.regenerated"
    CALENDAR_FEED_REVOKED = "calendar_feed.revoked"
    CONFLICT_DETECTED = "conflict.detected"
    GENERATION_REQUESTED = "generation.requested"
    GENERATION_END_REQUESTED = "generation.end_requested"
    # A running job's solver found a better roster (at most one a second per job).
    GENERATION_PROGRESSED = "generation.progressed"
    GENERATION_SUCCEEDED = "generation.succeeded"
    GENERATION_STOPPED = "generation.stopped"
    GENERATION_FAILED = "generation.failed"
    GENERATION_CANCELLED = "generation.cancelled"
    GENERATION_APPLIED = "generation.applied"
    ALERT_RULE_CREATED = "alert_rule.created"
    ALERT_RULE_UPDATED = "alert_rule.updated"
    ALERT_RULE_DELETED = "alert_rule.deleted"
    ALERT_TRIGGERED = "alert.triggered"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    ALERT_RESOLVED = "alert.resolved"
    ALERT_SILENCED = "alert.silenced"
    ALERT_ESCALATED = "alert.escalated"
    ESCALATION_POLICY_CREATED = "escalation_policy.created"
    ESCALATION_POLICY_UPDATED = "escalation_policy.updated"
    ESCALATION_POLICY_DELETED = "escalation_policy.deleted"
    NOTIFICATION_CHANNEL_CREATED = "notification_channel.created"
    NOTIFICATION_CHANNEL_UPDATED = "notification_channel.updated"
    NOTIFICATION_CHANNEL_DELETED = "notification_channel.deleted"
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_UPDATED = "webhook.updated"
    WEBHOOK_DELETED = "webhook.deleted"
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated"  # noqa: S105 (an event name)
    # The service disabled an endpoint (410 Gone, or every attempt failing for days).
    ENDPOINT_DISABLED = "endpoint.disabled"


# Events that report how work goes on, not a change anyone made: no audit entry, and no
# new version of the organization's data (no cached answer shows them).
PROGRESS_EVENTS = frozenset({EventType.GENERATION_PROGRESSED})


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """What a service says happened. `data` is the resource's public representation after
    the change (before it, for a deletion); `changes` names each updated field's old and
    new value."""

    type: EventType
    org_id: int | None
    resource_type: str
    resource_id: int | None
    data: Mapping[str, Any]
    actor_user_id: int | None = None
    changes: Mapping[str, Mapping[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class DispatchedEvent:
    """A committed event as the dispatcher hands it to consumers."""

    id: int
    type: str
    org_id: int | None
    resource_type: str
    resource_id: int | None
    actor_user_id: int | None
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    # The request that made the change, for the consumers' log lines.
    request_id: str | None = None
    # The transaction that wrote it (`OutboxEvent.change_id`).
    change_id: str | None = None


# Bookkeeping fields that change with every write and say nothing about the change.
UNTRACKED_FIELDS = frozenset({"updated_at", "version"})


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """`{field: {"old": ..., "new": ...}}` for every field whose value differs."""
    return {
        name: {"old": before.get(name), "new": value}
        for name, value in after.items()
        if name not in UNTRACKED_FIELDS and before.get(name) != value
    }
