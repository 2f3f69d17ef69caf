"""The catalogue of webhook event types: every `EventType` the service emits plus the two
the webhooks make themselves (`webhook.test`, `batch`), each with a one-line meaning and
the pydantic model of its `data`. The JSON Schemas are generated from those models, the
same ones the emitting services dump the data with, and the test suite checks every
event it emits against them, so the catalogue cannot drift from the code."""

from __future__ import annotations

import copy
import difflib
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shiftplanner.absences.schemas import Absence
from shiftplanner.alerting.alerts.schemas import Alert
from shiftplanner.alerting.escalation.schemas import AlertEscalated, EscalationPolicy
from shiftplanner.alerting.rules.schemas import Rule
from shiftplanner.analysts.schemas import Analyst
from shiftplanner.blackouts.schemas import BlackoutDate
from shiftplanner.calendar_feeds.schemas import CalendarFeed
from shiftplanner.conflicts.schemas import ConflictsDetected
from shiftplanner.coverage.schemas import CoverageRequirement
from shiftplanner.errors import NotFound
from shiftplanner.events import EventType
from shiftplanner.generation.schemas import Job, JobProgressed
from shiftplanner.holidays.schemas import Holiday
from shiftplanner.notifications.channels.schemas import NotificationChannel
from shiftplanner.orgs.schemas import Organization
from shiftplanner.schedules.schemas import Assignment
from shiftplanner.security.api_keys.schemas import ApiKey
from shiftplanner.shift_requests.schemas import ShiftRequest
from shiftplanner.shifts.schemas import ShiftType
from shiftplanner.teams.schemas import ScheduleSettings, Team
from shiftplanner.users.schemas import User
from shiftplanner.webhooks.endpoints.schemas import Endpoint
from shiftplanner.webhooks.event_types.schemas import BatchData, EventBody, WebhookTestData

WEBHOOK_TEST = "webhook.test"
BATCH = "batch"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    description: str
    data: type[BaseModel]


_E = EventType
_ENTRIES = (
    Entry(_E.ORGANIZATION_CREATED, "An organization was created.", Organization),
    Entry(
        _E.ORGANIZATION_UPDATED, "The organization's name, slug or time zone changed.", Organization
    ),
    Entry(_E.TEAM_CREATED, "A team was created.", Team),
    Entry(_E.TEAM_UPDATED, "A team was renamed or otherwise changed.", Team),
    Entry(_E.TEAM_DELETED, "A team was deleted (data: the team before).", Team),
    Entry(
        _E.TEAM_SCHEDULE_SETTINGS_UPDATED,
        "A team's schedule generation settings (solver weights, limits) changed.",
        ScheduleSettings,
    ),
    Entry(_E.USER_CREATED, "A user account was created (by an admin, or by signing up).", User),
    Entry(_E.USER_UPDATED, "A user's name, role or status changed.", User),
    Entry(_E.USER_DELETED, "A user account was deleted (data: the user before).", User),
    Entry(_E.ANALYST_CREATED, "An analyst joined a team.", Analyst),
    Entry(_E.ANALYST_UPDATED, "An analyst's details, team or availability changed.", Analyst),
    Entry(_E.ANALYST_DELETED, "An analyst was deleted (data: the analyst before).", Analyst),
    Entry(_E.SHIFT_TYPE_CREATED, "A shift type was created.", ShiftType),
    Entry(_E.SHIFT_TYPE_UPDATED, "A shift type's times, rules or status changed.", ShiftType),
    Entry(_E.SHIFT_TYPE_DELETED, "A shift type was deleted (data: it before).", ShiftType),
    Entry(_E.SCHEDULE_CREATED, "An analyst was assigned a shift on a date.", Assignment),
    Entry(_E.SCHEDULE_UPDATED, "An assignment changed (analyst, shift, date, lock).", Assignment),
    Entry(_E.SCHEDULE_DELETED, "An assignment was removed (data: it before).", Assignment),
    Entry(_E.ABSENCE_REQUESTED, "An absence was requested (or recorded).", Absence),
    Entry(_E.ABSENCE_UPDATED, "A requested absence's dates, type or note changed.", Absence),
    Entry(_E.ABSENCE_APPROVED, "An absence was approved.", Absence),
    Entry(_E.ABSENCE_REJECTED, "An absence was rejected.", Absence),
    Entry(_E.ABSENCE_CANCELLED, "An absence was cancelled.", Absence),
    Entry(_E.HOLIDAY_CREATED, "A public holiday was added to a team's calendar.", Holiday),
    Entry(_E.HOLIDAY_UPDATED, "A holiday changed.", Holiday),
    Entry(_E.HOLIDAY_DELETED, "A holiday was removed (data: it before).", Holiday),
    Entry(_E.BLACKOUT_DATE_CREATED, "A blackout date (no absences allowed) was set.", BlackoutDate),
    Entry(_E.BLACKOUT_DATE_UPDATED, "A blackout date changed.", BlackoutDate),
    Entry(_E.BLACKOUT_DATE_DELETED, "A blackout date was removed (data: it before).", BlackoutDate),
    Entry(
        _E.COVERAGE_REQUIREMENT_CREATED,
        "A coverage requirement (analysts needed per shift) was set.",
        CoverageRequirement,
    ),
    Entry(_E.COVERAGE_REQUIREMENT_UPDATED, "A coverage requirement changed.", CoverageRequirement),
    Entry(
        _E.COVERAGE_REQUIREMENT_DELETED,
        "A coverage requirement was removed (data: it before).",
        CoverageRequirement,
    ),
    Entry(_E.SHIFT_REQUEST_CREATED, "An analyst asked for (or to avoid) a shift.", ShiftRequest),
    Entry(_E.SHIFT_REQUEST_APPROVED, "A shift request was approved.", ShiftRequest),
    Entry(_E.SHIFT_REQUEST_REJECTED, "A shift request was rejected.", ShiftRequest),
    Entry(
        _E.SHIFT_REQUEST_DELETED, "A shift request was withdrawn (data: it before).", ShiftRequest
    ),
    Entry(_E.API_KEY_CREATED, "An API key was created (never the key itself).", ApiKey),
    Entry(_E.API_KEY_REVOKED, "An API key was revoked.", ApiKey),
    Entry(
        _E.CALENDAR_FEED_CREATED,
        "A calendar feed (secret iCalendar URL) was made (never its token).",
        CalendarFeed,
    ),
    Entry(
        _E.CALENDAR_FEED_REGENERATED,
        "A calendar feed got a new token; the old URL stopped working.",
        CalendarFeed,
    ),
    Entry(_E.CALENDAR_FEED_REVOKED, "A calendar feed was revoked.", CalendarFeed),
    Entry(
        _E.CONFLICT_DETECTED,
        "A committed change created schedule conflicts (all of that change's, in one event).",
        ConflictsDetected,
    ),
    Entry(_E.GENERATION_REQUESTED, "A schedule generation job was queued.", Job),
    Entry(_E.GENERATION_END_REQUESTED, "A running generation job was asked to stop early.", Job),
    Entry(
        _E.GENERATION_PROGRESSED,
        "A running generation job's solver found a better roster (at most once a second).",
        JobProgressed,
    ),
    Entry(_E.GENERATION_SUCCEEDED, "A generation job found a proposal.", Job),
    Entry(_E.GENERATION_STOPPED, "A generation job stopped early with its best proposal.", Job),
    Entry(_E.GENERATION_FAILED, "A generation job failed or found no feasible schedule.", Job),
    Entry(_E.GENERATION_CANCELLED, "A generation job was cancelled.", Job),
    Entry(_E.GENERATION_APPLIED, "A generation job's proposal was written to the schedule.", Job),
    Entry(_E.ALERT_RULE_CREATED, "An alert rule was created.", Rule),
    Entry(_E.ALERT_RULE_UPDATED, "An alert rule changed.", Rule),
    Entry(_E.ALERT_RULE_DELETED, "An alert rule was deleted (data: it before).", Rule),
    Entry(_E.ALERT_TRIGGERED, "An alert started firing (or fired again).", Alert),
    Entry(_E.ALERT_ACKNOWLEDGED, "Someone acknowledged a firing alert.", Alert),
    Entry(_E.ALERT_RESOLVED, "An alert was resolved (its condition cleared, or by hand).", Alert),
    Entry(_E.ALERT_SILENCED, "An alert was silenced.", Alert),
    Entry(_E.ALERT_ESCALATED, "An alert's escalation policy ran a step.", AlertEscalated),
    Entry(_E.ESCALATION_POLICY_CREATED, "An escalation policy was created.", EscalationPolicy),
    Entry(_E.ESCALATION_POLICY_UPDATED, "An escalation policy changed.", EscalationPolicy),
    Entry(
        _E.ESCALATION_POLICY_DELETED,
        "An escalation policy was deleted (data: it before).",
        EscalationPolicy,
    ),
    Entry(
        _E.NOTIFICATION_CHANNEL_CREATED,
        "A notification channel was created (secrets masked).",
        NotificationChannel,
    ),
    Entry(
        _E.NOTIFICATION_CHANNEL_UPDATED,
        "A notification channel changed, or its secret was rotated.",
        NotificationChannel,
    ),
    Entry(
        _E.NOTIFICATION_CHANNEL_DELETED,
        "A notification channel was deleted (data: it before).",
        NotificationChannel,
    ),
    Entry(_E.WEBHOOK_CREATED, "A webhook endpoint was created (never its secret).", Endpoint),
    Entry(_E.WEBHOOK_UPDATED, "A webhook endpoint changed.", Endpoint),
    Entry(_E.WEBHOOK_DELETED, "A webhook endpoint was deleted (data: it before).", Endpoint),
    Entry(_E.WEBHOOK_SECRET_ROTATED, "A webhook endpoint's signing secret was rotated.", Endpoint),
    Entry(
        _E.ENDPOINT_DISABLED,
        "The service disabled a webhook endpoint (410 Gone, or failing for days).",
        Endpoint,
    ),
    Entry(
        WEBHOOK_TEST,
        "A test message, sent by POST /monitoring/webhooks/{id}/test to that endpoint only.",
        WebhookTestData,
    ),
    Entry(
        BATCH,
        "Every subscribed event of one change (a bulk write, an applied roster) in one "
        "message, for an endpoint that asked for batching.",
        BatchData,
    ),
)
_CATALOGUE = {str(entry.name): entry for entry in sorted(_ENTRIES, key=lambda e: e.name)}
# What an endpoint can subscribe to: test messages go to the endpoint tested, and `batch`
# is a way of delivering (the endpoint's `batch` option), not something that happens.
SUBSCRIBABLE = tuple(name for name in _CATALOGUE if name not in (WEBHOOK_TEST, BATCH))


def event_types() -> list[Entry]:
    """Every catalogued event type, sorted by name."""
    return list(_CATALOGUE.values())


def _entry(event_type: str) -> Entry:
    entry = _CATALOGUE.get(event_type)
    if entry is None:
        raise NotFound(f"There is no event type {event_type!r}.")
    return entry


# A time of day in the organization's zone, as pydantic writes it ("07:00:00"): JSON
# Schema's `time` format is RFC 3339's, which demands an offset these never have.
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$",
}


def _local_times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            del node["format"]
            node.update(LOCAL_TIME)
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for item in node:
            _local_times(item)


def _closed(node: Any) -> None:
    """Forbid properties beyond the listed ones in every object schema that lists some."""
    if isinstance(node, dict):
        if "properties" in node and node.get("type") == "object":
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _closed(value)
    elif isinstance(node, list):
        for item in node:
            _closed(item)


@functools.cache
def _payload_schema(event_type: str, strict: bool) -> dict[str, Any]:
    entry = _entry(event_type)
    # By alias: events carry the resource as the API answers it (camelCase where the
    # API does; see events.resources.public).
    schema = EventBody[entry.data].model_json_schema(  # type: ignore[name-defined]
        by_alias=True, mode="serialization"
    )
    schema["title"] = event_type
    schema["description"] = entry.description
    schema["properties"]["type"] = {"const": event_type, "type": "string", "title": "Type"}
    _local_times(schema)
    if strict:
        _closed(schema)
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def payload_schema(event_type: str, *, strict: bool = False) -> dict[str, Any]:
    """The JSON Schema of a whole webhook body of `event_type`: {type, timestamp, data,
    changes?}. `strict` also refuses fields the catalogue does not list (the test suite's
    drift guard); the published schema leaves room for fields added later. NotFound for
    a type not catalogued."""
    return copy.deepcopy(_payload_schema(event_type, strict))


def data_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema of the body's `data` alone."""
    schema = _entry(event_type).data.model_json_schema(by_alias=True, mode="serialization")
    _local_times(schema)
    return schema


def matches(patterns: Sequence[str], event_type: str) -> bool:
    """Whether any of an endpoint's `patterns` selects `event_type`: an exact type,
    `<resource>.*` (every event of that resource) or `*` (everything)."""
    for pattern in patterns:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def _resources() -> list[str]:
    return sorted({name.split(".", 1)[0] for name in SUBSCRIBABLE})


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a subscription (it is malformed, or selects no event type
    the catalogue has; a typo would otherwise subscribe to nothing, silently), or None
    if it is fine."""
    if pattern == "*":
        return None
    if pattern == WEBHOOK_TEST:
        return "`webhook.test` goes to the endpoint you test, whatever it subscribes to."
    if pattern == BATCH:
        return "`batch` is not an event: set the endpoint's `batch` option to get batches."
    resources = ", ".join(_resources())
    if pattern.endswith(".*") and "*" not in pattern[:-2]:
        resource = pattern[:-2]
        if any(name.startswith(f"{resource}.") for name in SUBSCRIBABLE):
            return None
        hint = _did_you_mean(resource, _resources())
        return f"No event type starts with `{resource}.`{hint}. The resources are: {resources}."
    if "*" in pattern:
        return (
            f"`{pattern}`: use an exact event type (`schedule.created`), `<resource>.*` "
            "(`schedule.*`) or `*`."
        )
    if pattern in SUBSCRIBABLE:
        return None
    resource = pattern.split(".", 1)[0]
    siblings = [name for name in SUBSCRIBABLE if name.startswith(f"{resource}.")]
    hint = _did_you_mean(pattern, SUBSCRIBABLE)
    if siblings:
        return f"No event type `{pattern}`{hint}. `{resource}` has: {', '.join(siblings)}."
    return f"No event type `{pattern}`{hint}. The resources are: {resources}."


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""
