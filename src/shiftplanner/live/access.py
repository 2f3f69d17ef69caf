"""Who may receive which event on the live stream: exactly who may read its resource
through the API. Each rule names the GET route whose access it mirrors (the test suite
checks the roles against the API's own access table, so the two cannot drift), and, for
personal records, how much of them a caller who is no manager may see. An event type
without a rule is sent to nobody."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shiftplanner.conflicts.facts import ConflictType
from shiftplanner.events import EventType
from shiftplanner.models import Role


@dataclass(frozen=True, slots=True)
class Reader:
    """Who listens on a stream: a signed-in user of one organization, with the analyst
    they sign in as (whose personal records they see), if any."""

    org_id: int
    user_id: int
    role: Role
    analyst_id: int | None

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGERS


# The data of an event as a reader sees it: the same, less, or None (nothing for them).
PersonalView = Callable[[Reader, Mapping[str, Any]], Mapping[str, Any] | None]


def own_analysts_records(reader: Reader, data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Absences and shift requests: their own analyst's only (`visible_analyst_ids`)."""
    analyst_id = data.get("analyst_id")
    return data if analyst_id is not None and analyst_id == reader.analyst_id else None


def own_conflicts(reader: Reader, data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Conflicts: all but an absence overlap of someone else, which the conflict report
    shows only redacted (the absence's id and days withheld); those are left out here."""
    conflicts = data.get("conflicts") or []
    kept = [
        conflict
        for conflict in conflicts
        if conflict.get("type") != ConflictType.ABSENCE_OVERLAP
        or (reader.analyst_id is not None and conflict.get("analyst_id") == reader.analyst_id)
    ]
    if len(kept) == len(conflicts):
        return data
    return {**data, "conflicts": kept} if kept else None


def own_creations(reader: Reader, data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Calendar feeds: the ones they made."""
    return data if data.get("created_by_user_id") == reader.user_id else None


@dataclass(frozen=True, slots=True)
class ReadRule:
    # The GET route whose access rule this mirrors.
    route: str
    roles: frozenset[Role]
    events: tuple[EventType, ...]
    # For a caller who is no manager: what of the event's data they may see.
    personal: PersonalView | None = None


ANYONE = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.ANALYST})
MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
ADMINS = frozenset({Role.ADMIN})

_E = EventType
READ_RULES = (
    ReadRule("/api/organizations", ANYONE, (_E.ORGANIZATION_CREATED, _E.ORGANIZATION_UPDATED)),
    ReadRule("/api/teams", ANYONE, (_E.TEAM_CREATED, _E.TEAM_UPDATED, _E.TEAM_DELETED)),
    ReadRule(
        "/api/teams/{team_id}/schedule-settings", ANYONE, (_E.TEAM_SCHEDULE_SETTINGS_UPDATED,)
    ),
    ReadRule("/api/users", ADMINS, (_E.USER_CREATED, _E.USER_UPDATED, _E.USER_DELETED)),
    ReadRule("/api/analysts", ANYONE, (_E.ANALYST_CREATED, _E.ANALYST_UPDATED, _E.ANALYST_DELETED)),
    ReadRule(
        "/api/shift-types",
        ANYONE,
        (_E.SHIFT_TYPE_CREATED, _E.SHIFT_TYPE_UPDATED, _E.SHIFT_TYPE_DELETED),
    ),
    ReadRule(
        "/api/schedules", ANYONE, (_E.SCHEDULE_CREATED, _E.SCHEDULE_UPDATED, _E.SCHEDULE_DELETED)
    ),
    ReadRule(
        "/api/absences",
        ANYONE,
        (
            _E.ABSENCE_REQUESTED,
            _E.ABSENCE_UPDATED,
            _E.ABSENCE_APPROVED,
            _E.ABSENCE_REJECTED,
            _E.ABSENCE_CANCELLED,
        ),
        personal=own_analysts_records,
    ),
    ReadRule("/api/holidays", ANYONE, (_E.HOLIDAY_CREATED, _E.HOLIDAY_UPDATED, _E.HOLIDAY_DELETED)),
    ReadRule(
        "/api/blackout-dates",
        ANYONE,
        (_E.BLACKOUT_DATE_CREATED, _E.BLACKOUT_DATE_UPDATED, _E.BLACKOUT_DATE_DELETED),
    ),
    ReadRule(
        "/api/coverage-requirements",
        ANYONE,
        (
            _E.COVERAGE_REQUIREMENT_CREATED,
            _E.COVERAGE_REQUIREMENT_UPDATED,
            _E.COVERAGE_REQUIREMENT_DELETED,
        ),
    ),
    ReadRule(
        "/api/shift-requests",
        ANYONE,
        (
            _E.SHIFT_REQUEST_CREATED,
            _E.SHIFT_REQUEST_APPROVED,
            _E.SHIFT_REQUEST_REJECTED,
            _E.SHIFT_REQUEST_DELETED,
        ),
        personal=own_analysts_records,
    ),
    ReadRule("/api/api-keys", ADMINS, (_E.API_KEY_CREATED, _E.API_KEY_REVOKED)),
    ReadRule(
        "/api/calendar-feeds",
        ANYONE,
        (_E.CALENDAR_FEED_CREATED, _E.CALENDAR_FEED_REGENERATED, _E.CALENDAR_FEED_REVOKED),
        personal=own_creations,
    ),
    ReadRule("/api/conflicts", ANYONE, (_E.CONFLICT_DETECTED,), personal=own_conflicts),
    ReadRule(
        "/api/schedules/generate",
        MANAGERS,
        (
            _E.GENERATION_REQUESTED,
            _E.GENERATION_END_REQUESTED,
            _E.GENERATION_PROGRESSED,
            _E.GENERATION_SUCCEEDED,
            _E.GENERATION_STOPPED,
            _E.GENERATION_FAILED,
            _E.GENERATION_CANCELLED,
            _E.GENERATION_APPLIED,
        ),
    ),
    ReadRule(
        "/monitoring/alert-rules",
        MANAGERS,
        (_E.ALERT_RULE_CREATED, _E.ALERT_RULE_UPDATED, _E.ALERT_RULE_DELETED),
    ),
    ReadRule(
        "/monitoring/alerts",
        STAFF,
        (
            _E.ALERT_TRIGGERED,
            _E.ALERT_ACKNOWLEDGED,
            _E.ALERT_RESOLVED,
            _E.ALERT_SILENCED,
            _E.ALERT_ESCALATED,
        ),
    ),
    ReadRule(
        "/monitoring/escalation-policies",
        MANAGERS,
        (
            _E.ESCALATION_POLICY_CREATED,
            _E.ESCALATION_POLICY_UPDATED,
            _E.ESCALATION_POLICY_DELETED,
        ),
    ),
    ReadRule(
        "/monitoring/notification-channels",
        ADMINS,
        (
            _E.NOTIFICATION_CHANNEL_CREATED,
            _E.NOTIFICATION_CHANNEL_UPDATED,
            _E.NOTIFICATION_CHANNEL_DELETED,
        ),
    ),
    ReadRule(
        "/monitoring/webhooks",
        ADMINS,
        (
            _E.WEBHOOK_CREATED,
            _E.WEBHOOK_UPDATED,
            _E.WEBHOOK_DELETED,
            _E.WEBHOOK_SECRET_ROTATED,
            _E.ENDPOINT_DISABLED,
        ),
    ),
)
RULE_OF: dict[str, ReadRule] = {event.value: rule for rule in READ_RULES for event in rule.events}


def visible_data(
    reader: Reader, event_type: str, data: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """What of an event's data `reader` may receive: all of it, part of it (personal
    records of others left out), or None. An event type without a rule: None."""
    rule = RULE_OF.get(event_type)
    if rule is None or reader.role not in rule.roles:
        return None
    if rule.personal is None or reader.can_manage:
        return data
    return rule.personal(reader, data)
