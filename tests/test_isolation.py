"""Every route in the OpenAPI schema, walked three ways: without a token, with each role
that may not use it, and by a user of another organization. A route added without an
entry in RULES fails here, so nothing reaches main unscoped."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shiftplanner.config import Settings
from shiftplanner.kit.signing import new_secret
from shiftplanner.models import (
    AbsenceStatus,
    Alert,
    AlertRule,
    AlertSeverity,
    AlertStatus,
    ApiKey,
    BlackoutDate,
    CalendarFeed,
    ChannelType,
    ComparisonOperator,
    CoverageRequirement,
    EscalationPolicy,
    GenerationJob,
    Holiday,
    Notification,
    NotificationChannel,
    RequestKind,
    Role,
    ShiftRequest,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookMessage,
)
from shiftplanner.runtime import Runtime
from tests.conftest import make_settings
from tests.factories import PASSWORD, Tenant, bearer, make_absence, make_assignment, make_user

PUBLIC = frozenset[str]()
ANY = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.ANALYST})
MANAGE = frozenset({Role.ADMIN, Role.MANAGER})
ADMIN = frozenset({Role.ADMIN})
SUPERUSER = frozenset({"superuser"})
# The platform operator, or an API key with the `monitoring` scope.
OPERATOR = frozenset({"superuser", "monitoring"})

# Who may call each operation. PUBLIC needs no token; SUPERUSER is the platform operator.
RULES: dict[tuple[str, str], frozenset[Any]] = {
    ("GET", "/health"): PUBLIC,
    ("POST", "/api/auth/login"): PUBLIC,
    ("POST", "/api/auth/refresh"): PUBLIC,
    ("GET", "/api/auth/me"): ANY,
    ("POST", "/api/auth/logout"): ANY,
    ("GET", "/api/auth/rate-limit"): ANY,
    # The live stream: anyone signed in, each sent only what they may read (tests/live).
    ("GET", "/api/events"): ANY,
    ("GET", "/api/api-keys"): ADMIN,
    ("POST", "/api/api-keys"): ADMIN,
    ("GET", "/api/api-keys/{api_key_id}"): ADMIN,
    ("DELETE", "/api/api-keys/{api_key_id}"): ADMIN,
    ("GET", "/monitoring/security/audit-logs"): ADMIN,
    ("GET", "/monitoring/security/config"): ADMIN,
    ("GET", "/monitoring/security/rate-limit/{identifier}"): ADMIN,
    ("GET", "/monitoring/cache/stats"): SUPERUSER,
    # Open in development (these tests); production's rule is in tests/monitoring.
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/monitoring/metrics"): OPERATOR,
    ("GET", "/monitoring/metrics/series"): OPERATOR,
    ("GET", "/monitoring/sla"): OPERATOR,
    ("GET", "/monitoring/performance"): OPERATOR,
    ("GET", "/monitoring/dashboard"): OPERATOR,
    ("GET", "/monitoring/errors"): OPERATOR,
    ("GET", "/monitoring/errors/{error_id}"): OPERATOR,
    # The profiler: the platform operator signed in, never an API key.
    ("POST", "/monitoring/profiler/cpu"): SUPERUSER,
    ("GET", "/monitoring/profiler/cpu"): SUPERUSER,
    ("GET", "/monitoring/profiler/cpu/{profile_id}"): SUPERUSER,
    ("GET", "/monitoring/profiler/cpu/{profile_id}/download"): SUPERUSER,
    ("POST", "/monitoring/profiler/memory/snapshots"): SUPERUSER,
    ("GET", "/monitoring/profiler/memory/snapshots"): SUPERUSER,
    ("DELETE", "/monitoring/profiler/memory/snapshots"): SUPERUSER,
    ("GET", "/monitoring/profiler/memory/diff"): SUPERUSER,
    ("GET", "/monitoring/health"): OPERATOR,
    ("GET", "/api/organizations"): ANY,
    ("POST", "/api/organizations"): SUPERUSER,
    ("GET", "/api/organizations/{org_id}"): ANY,
    ("PATCH", "/api/organizations/{org_id}"): ADMIN,
    ("GET", "/api/teams"): ANY,
    ("POST", "/api/teams"): ADMIN,
    ("GET", "/api/teams/{team_id}"): ANY,
    ("PATCH", "/api/teams/{team_id}"): ADMIN,
    ("DELETE", "/api/teams/{team_id}"): ADMIN,
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("GET", "/api/users/{user_id}"): ADMIN,
    ("PATCH", "/api/users/{user_id}"): ADMIN,
    ("DELETE", "/api/users/{user_id}"): ADMIN,
    ("GET", "/api/analysts"): ANY,
    ("POST", "/api/analysts"): MANAGE,
    ("GET", "/api/analysts/{analyst_id}"): ANY,
    ("PATCH", "/api/analysts/{analyst_id}"): MANAGE,
    ("DELETE", "/api/analysts/{analyst_id}"): MANAGE,
    ("GET", "/api/shift-types"): ANY,
    ("POST", "/api/shift-types"): ADMIN,
    ("GET", "/api/shift-types/{shift_type_id}"): ANY,
    ("PATCH", "/api/shift-types/{shift_type_id}"): ADMIN,
    ("DELETE", "/api/shift-types/{shift_type_id}"): ADMIN,
    ("GET", "/api/schedules"): ANY,
    ("POST", "/api/schedules"): MANAGE,
    ("POST", "/api/schedules/bulk"): MANAGE,
    ("GET", "/api/schedules/{assignment_id}"): ANY,
    ("PATCH", "/api/schedules/{assignment_id}"): MANAGE,
    ("DELETE", "/api/schedules/{assignment_id}"): MANAGE,
    ("GET", "/api/absences"): ANY,
    ("POST", "/api/absences"): STAFF,
    ("GET", "/api/absences/{absence_id}"): ANY,
    ("PATCH", "/api/absences/{absence_id}"): STAFF,
    ("POST", "/api/absences/{absence_id}/approve"): MANAGE,
    ("POST", "/api/absences/{absence_id}/reject"): MANAGE,
    ("POST", "/api/absences/{absence_id}/cancel"): STAFF,
    ("GET", "/api/conflicts"): ANY,
    ("GET", "/api/conflicts/coverage"): ANY,
    ("GET", "/api/holidays"): ANY,
    ("POST", "/api/holidays"): ADMIN,
    ("GET", "/api/holidays/{holiday_id}"): ANY,
    ("PATCH", "/api/holidays/{holiday_id}"): ADMIN,
    ("DELETE", "/api/holidays/{holiday_id}"): ADMIN,
    ("GET", "/api/blackout-dates"): ANY,
    ("POST", "/api/blackout-dates"): MANAGE,
    ("GET", "/api/blackout-dates/{blackout_id}"): ANY,
    ("PATCH", "/api/blackout-dates/{blackout_id}"): MANAGE,
    ("DELETE", "/api/blackout-dates/{blackout_id}"): MANAGE,
    ("GET", "/api/coverage-requirements"): ANY,
    ("POST", "/api/coverage-requirements"): MANAGE,
    ("GET", "/api/coverage-requirements/{requirement_id}"): ANY,
    ("PATCH", "/api/coverage-requirements/{requirement_id}"): MANAGE,
    ("DELETE", "/api/coverage-requirements/{requirement_id}"): MANAGE,
    ("GET", "/api/shift-requests"): ANY,
    ("POST", "/api/shift-requests"): STAFF,
    ("GET", "/api/shift-requests/{shift_request_id}"): ANY,
    ("POST", "/api/shift-requests/{shift_request_id}/approve"): MANAGE,
    ("POST", "/api/shift-requests/{shift_request_id}/reject"): MANAGE,
    ("DELETE", "/api/shift-requests/{shift_request_id}"): STAFF,
    # Anyone signed in: the service decides per subject (own analyst, teams) and shows
    # each caller only the feeds they may manage.
    ("GET", "/api/calendar-feeds"): ANY,
    ("POST", "/api/calendar-feeds"): ANY,
    ("POST", "/api/calendar-feeds/{feed_id}/regenerate"): ANY,
    ("DELETE", "/api/calendar-feeds/{feed_id}"): ANY,
    # The token in the path is the credential (calendar apps send no other).
    ("GET", "/ical/{token}.ics"): PUBLIC,
    ("GET", "/api/schedules/export.csv"): ANY,
    ("GET", "/api/teams/{team_id}/schedule-settings"): ANY,
    ("PUT", "/api/teams/{team_id}/schedule-settings"): MANAGE,
    ("GET", "/api/teams/{team_id}/on-shift"): ANY,
    ("GET", "/monitoring/escalation-policies"): MANAGE,
    ("POST", "/monitoring/escalation-policies"): ADMIN,
    ("GET", "/monitoring/escalation-policies/{policy_id}"): MANAGE,
    ("PATCH", "/monitoring/escalation-policies/{policy_id}"): ADMIN,
    ("DELETE", "/monitoring/escalation-policies/{policy_id}"): ADMIN,
    ("POST", "/monitoring/alerts/{alert_id}/escalate"): MANAGE,
    ("GET", "/monitoring/alert-rules"): MANAGE,
    ("POST", "/monitoring/alert-rules"): ADMIN,
    ("GET", "/monitoring/alert-rules/metrics"): MANAGE,
    ("GET", "/monitoring/alert-rules/export"): MANAGE,
    ("GET", "/monitoring/alert-rules/{rule_id}"): MANAGE,
    ("PATCH", "/monitoring/alert-rules/{rule_id}"): ADMIN,
    ("DELETE", "/monitoring/alert-rules/{rule_id}"): ADMIN,
    ("GET", "/monitoring/alerts"): STAFF,
    ("GET", "/monitoring/alerts/{alert_id}"): STAFF,
    ("GET", "/monitoring/alerts/{alert_id}/history"): STAFF,
    ("POST", "/monitoring/alerts/{alert_id}/acknowledge"): STAFF,
    ("POST", "/monitoring/alerts/{alert_id}/resolve"): MANAGE,
    ("POST", "/monitoring/alerts/{alert_id}/silence"): MANAGE,
    ("POST", "/api/schedules/generate"): MANAGE,
    ("GET", "/api/schedules/generate"): MANAGE,
    ("POST", "/api/schedules/generate/{job_id}/stop"): MANAGE,
    ("GET", "/api/schedules/generate/{job_id}"): MANAGE,
    ("GET", "/api/schedules/generate/{job_id}/problem"): MANAGE,
    ("POST", "/api/schedules/generate/{job_id}/apply"): MANAGE,
    ("DELETE", "/api/schedules/generate/{job_id}"): MANAGE,
    ("GET", "/monitoring/notification-channels"): ADMIN,
    ("POST", "/monitoring/notification-channels"): ADMIN,
    ("GET", "/monitoring/notification-channels/{channel_id}"): ADMIN,
    ("PATCH", "/monitoring/notification-channels/{channel_id}"): ADMIN,
    ("DELETE", "/monitoring/notification-channels/{channel_id}"): ADMIN,
    ("POST", "/monitoring/notification-channels/{channel_id}/rotate-secret"): ADMIN,
    ("POST", "/monitoring/notification-channels/{channel_id}/test"): ADMIN,
    ("GET", "/monitoring/notification-deliveries"): MANAGE,
    ("GET", "/api/notifications"): ANY,
    ("GET", "/api/notifications/unread-count"): ANY,
    ("POST", "/api/notifications/read-all"): ANY,
    ("POST", "/api/notifications/{notification_id}/read"): ANY,
    ("GET", "/api/notifications/preferences"): ANY,
    ("PUT", "/api/notifications/preferences"): ANY,
    ("GET", "/monitoring/webhooks/event-types"): ANY,
    ("GET", "/monitoring/webhooks/stats"): ADMIN,
    ("GET", "/monitoring/webhooks"): ADMIN,
    ("POST", "/monitoring/webhooks"): ADMIN,
    ("GET", "/monitoring/webhooks/{endpoint_id}"): ADMIN,
    ("PATCH", "/monitoring/webhooks/{endpoint_id}"): ADMIN,
    ("DELETE", "/monitoring/webhooks/{endpoint_id}"): ADMIN,
    ("POST", "/monitoring/webhooks/{endpoint_id}/rotate-secret"): ADMIN,
    ("POST", "/monitoring/webhooks/{endpoint_id}/test"): ADMIN,
    ("GET", "/monitoring/webhooks/{endpoint_id}/deliveries"): ADMIN,
    ("GET", "/monitoring/webhooks/{endpoint_id}/deliveries/{delivery_id}"): ADMIN,
    ("POST", "/monitoring/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry"): ADMIN,
    ("POST", "/monitoring/webhooks/{endpoint_id}/replay"): ADMIN,
}

QUERIES = {
    "/api/schedules": {"start": "2030-01-01", "end": "2030-01-31"},
    "/api/schedules/export.csv": {"start": "2030-01-01", "end": "2030-01-31"},
    "/api/conflicts": {"start": "2030-01-01", "end": "2030-01-31"},
    "/api/conflicts/coverage": {"start": "2030-01-01", "end": "2030-01-31"},
    "/monitoring/alert-rules/export": {"format": "prometheus"},
    # Replays the caller's organization's events of the last hour.
    "/api/events": {"after": "0"},
}
# Query parameters of writes.
WRITE_QUERIES = {
    "/monitoring/webhooks/{endpoint_id}/replay": {"since": "2030-01-01T00:00:00Z"},
}
_unique = itertools.count(1)
# Routes whose answer is an event stream, which never ends by itself.
STREAMS = frozenset({"/api/events"})
HANG_UP_AFTER_SECONDS = 0.3


def hanging_up(app: ASGIApp) -> ASGIApp:
    """The app as a browser tab sees it that opens an event stream, reads it a moment and
    closes it: the in-memory transport waits for a whole answer, which a stream never
    gives."""

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in STREAMS:
            await app(scope, receive, send)
            return
        asked = False
        ended = False

        async def receive_then_hang_up() -> Message:
            nonlocal asked
            if not asked:
                asked = True
                return await receive()
            await asyncio.sleep(HANG_UP_AFTER_SECONDS)
            return {"type": "http.disconnect"}

        async def tracking_send(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.body" and not message.get("more_body"):
                ended = True
            await send(message)

        await app(scope, receive_then_hang_up, tracking_send)
        if not ended:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    return call


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Live updates on, so that the walk reaches the stream."""
    return make_settings(database_url, live_enabled=True)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=hanging_up(app), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def sent_documents(response: httpx.Response) -> list[Any]:
    """The JSON documents of an answer: the body, or each message of an event stream."""
    content_type = response.headers["content-type"]
    if content_type.startswith("text/event-stream"):
        return [
            json.loads(line.removeprefix("data:").strip())
            for line in response.text.splitlines()
            if line.startswith("data:")
        ]
    # A JSON answer, or a text file (the Prometheus rule export, tested on its own).
    return [response.json()] if "json" in content_type else []


@dataclass
class Ids:
    """The resources of one organization that paths and bodies refer to."""

    org: int
    team: int
    user: int
    analyst: int
    shift_type: int
    assignment: int
    absence: int
    holiday: int
    blackout: int
    api_key: int
    requirement: int
    shift_request: int
    generation_job: int
    channel: int
    notification: int
    escalation_policy: int
    alert: int
    alert_rule: int
    webhook: int
    webhook_delivery: int
    calendar_feed: int
    feed_token: str

    def for_param(self, name: str) -> int | str:
        mapping: dict[str, int | str] = {
            "org_id": self.org,
            "team_id": self.team,
            "user_id": self.user,
            "analyst_id": self.analyst,
            "shift_type_id": self.shift_type,
            "assignment_id": self.assignment,
            "absence_id": self.absence,
            "holiday_id": self.holiday,
            "blackout_id": self.blackout,
            "api_key_id": self.api_key,
            "requirement_id": self.requirement,
            "shift_request_id": self.shift_request,
            "job_id": self.generation_job,
            "channel_id": self.channel,
            "notification_id": self.notification,
            "policy_id": self.escalation_policy,
            "alert_id": self.alert,
            "rule_id": self.alert_rule,
            "endpoint_id": self.webhook,
            "delivery_id": self.webhook_delivery,
            "feed_id": self.calendar_feed,
            "token": self.feed_token,
            "identifier": f"user:{self.user}",
            # Operators' resources, not an organization's: any id does for the walk.
            "error_id": 1,
            "profile_id": "0" * 16,
        }
        assert name in mapping, f"path parameter {name!r} is new: add it to Ids and the walk"
        return mapping[name]


def body(method: str, path: str, ids: Ids) -> dict[str, Any] | None:
    """A request body that is valid for the operation, referring to `ids`."""
    n = next(_unique)
    creates: dict[str, Callable[[], dict[str, Any]]] = {
        "/api/organizations": lambda: {"name": "Walk", "slug": f"walk-{n}", "timezone": "UTC"},
        "/api/teams": lambda: {"name": "Walk", "code": f"W{n}", "timezone": "UTC"},
        "/api/users": lambda: {
            "email": f"walk{n}@example.com",
            "role": "viewer",
            "password": "walk password 123",
        },
        "/api/analysts": lambda: {
            "name": f"Walk {n}",
            "email": f"walk{n}@example.com",
            "team_id": ids.team,
        },
        "/api/shift-types": lambda: {
            "team_id": ids.team,
            "name": f"W{n}",
            "start_time": "09:00",
            "end_time": "17:00",
        },
        "/api/schedules": lambda: {
            "analyst_id": ids.analyst,
            "shift_type_id": ids.shift_type,
            "date": "2030-01-07",
        },
        "/api/schedules/bulk": lambda: {
            "items": [
                {"analyst_id": ids.analyst, "shift_type_id": ids.shift_type, "date": "2030-01-08"}
            ]
        },
        "/api/absences": lambda: {
            "analyst_id": ids.analyst,
            "start_date": f"2031-01-{1 + n % 28:02d}",
            "end_date": f"2031-01-{1 + n % 28:02d}",
            "kind": "vacation",
        },
        "/api/holidays": lambda: {"team_id": ids.team, "name": f"Walk {n}", "date": "2030-05-01"},
        "/api/blackout-dates": lambda: {"team_id": ids.team, "start_date": "2030-06-01"},
        "/api/api-keys": lambda: {"name": f"walk {n}", "role": "viewer"},
        "/api/calendar-feeds": lambda: {"analyst_id": ids.analyst},
        "/api/coverage-requirements": lambda: {
            "shift_type_id": ids.shift_type,
            "date": f"2032-01-{1 + n % 28:02d}",
            "required": 2,
        },
        "/api/shift-requests": lambda: {
            "analyst_id": ids.analyst,
            "shift_type_id": ids.shift_type,
            "date": "2030-02-01",
            "kind": "off",
        },
        "/monitoring/escalation-policies": lambda: {
            "name": f"Walk {n}",
            "steps": [{"waitMinutes": 0, "target": {"type": "on_shift", "teamId": ids.team}}],
        },
        "/monitoring/alert-rules": lambda: {
            "name": f"Walk {n}",
            "condition": {"metric": "coverageGaps", "operator": "gt", "threshold": 0},
            "severity": "LOW",
        },
        "/monitoring/alerts/{alert_id}/silence": lambda: {"minutes": 5},
        "/monitoring/notification-channels": lambda: {
            "name": f"Walk {n}",
            "type": "email",
            "config": {"to": [f"walk{n}@example.com"]},
        },
        "/monitoring/webhooks": lambda: {
            "name": f"Walk {n}",
            # Development: loopback is allowed; nothing listens on port 9 (discard).
            "url": "http://127.0.0.1:9/walk",
            "events": ["schedule.*"],
        },
        "/api/schedules/generate": lambda: {
            "team_id": ids.team,
            "start": "2030-03-04",
            "end": "2030-03-10",
            "time_limit_seconds": 1,
        },
    }
    updates: dict[str, dict[str, Any]] = {
        "/api/organizations/{org_id}": {"name": "Walked"},
        "/api/teams/{team_id}": {"name": "Walked"},
        "/api/users/{user_id}": {"full_name": "Walked"},
        "/api/analysts/{analyst_id}": {"name": "Walked"},
        "/api/shift-types/{shift_type_id}": {"name": f"W{n}"},
        "/api/schedules/{assignment_id}": {"note": "walked", "version": 1},
        "/api/absences/{absence_id}": {"note": "walked", "version": 1},
        "/api/holidays/{holiday_id}": {"name": "Walked"},
        "/api/blackout-dates/{blackout_id}": {"reason": "walked"},
        "/api/coverage-requirements/{requirement_id}": {"required": 3},
        "/monitoring/notification-channels/{channel_id}": {"enabled": False},
        "/monitoring/escalation-policies/{policy_id}": {"description": "walked"},
        "/monitoring/alert-rules/{rule_id}": {"description": "walked"},
        "/monitoring/webhooks/{endpoint_id}": {"description": "walked"},
    }
    replacements: dict[str, dict[str, Any]] = {
        "/api/teams/{team_id}/schedule-settings": {"weights": {"under_cover": 500}},
        "/api/notifications/preferences": {"email_schedule_changes": True},
    }
    if method == "POST" and path in creates:
        return creates[path]()
    if method == "PATCH":
        return updates[path]
    if method == "PUT":
        return replacements[path]
    if method == "POST" and path.startswith("/api/auth/"):
        return (
            {"email": "nobody@example.com", "password": "x"}
            if path.endswith("login")
            else {"refresh_token": "x"}
        )
    return None


def operations(app: FastAPI) -> Iterator[tuple[str, str, list[str]]]:
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            yield method.upper(), path, params


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    params: list[str],
    ids: Ids,
    headers: dict[str, str],
) -> httpx.Response:
    url = path.format(**{name: ids.for_param(name) for name in params})
    query = QUERIES.get(path) if method == "GET" else WRITE_QUERIES.get(path)
    return await client.request(
        method, url, json=body(method, path, ids), params=query, headers=headers
    )


async def arrange(session: AsyncSession, tenant: Tenant) -> Ids:
    analyst = tenant.analysts[1]
    assignment = await make_assignment(session, analyst, tenant.shift_types[0], date(2030, 1, 2))
    absence = await make_absence(
        session, analyst, date(2030, 1, 20), date(2030, 1, 21), status=AbsenceStatus.REQUESTED
    )
    holiday = Holiday(
        org_id=tenant.org.id, team_id=tenant.team.id, name="Walk Day", date=date(2030, 1, 1)
    )
    blackout = BlackoutDate(
        org_id=tenant.org.id,
        analyst_id=analyst.id,
        start_date=date(2030, 1, 25),
        end_date=date(2030, 1, 25),
    )
    api_key = ApiKey(
        org_id=tenant.org.id,
        name="walk",
        prefix=f"walk{next(_unique)}",
        secret_hash="0" * 64,
        role=Role.VIEWER,
    )
    requirement = CoverageRequirement(
        org_id=tenant.org.id, shift_type_id=tenant.shift_types[0].id, weekday="mon", required=1
    )
    shift_request = ShiftRequest(
        org_id=tenant.org.id, analyst_id=analyst.id, date=date(2030, 1, 3), kind=RequestKind.ON
    )
    generation_job = GenerationJob(
        org_id=tenant.org.id,
        team_id=tenant.team.id,
        start=date(2030, 3, 4),
        end=date(2030, 3, 10),
        time_limit_seconds=1,
    )
    policy = EscalationPolicy(
        org_id=tenant.org.id,
        name=f"Walk {next(_unique)}",
        steps=[{"wait_minutes": 0, "target": {"type": "on_shift", "team_id": tenant.team.id}}],
    )
    fired = datetime(2030, 1, 2, 9, tzinfo=UTC)
    alert = Alert(
        org_id=tenant.org.id,
        rule_name="Walk",
        fingerprint="0" * 64,
        severity=AlertSeverity.LOW,
        status=AlertStatus.FIRING,
        metric="cpuUsage",
        operator=ComparisonOperator.GT,
        threshold=80.0,
        active_since=fired,
        fired_at=fired,
    )
    session.add_all([holiday, blackout, api_key, requirement, shift_request, generation_job])
    channel = NotificationChannel(
        org_id=tenant.org.id,
        name=f"Walk {next(_unique)}",
        type=ChannelType.EMAIL,
        config={"to": ["walk@example.com"]},
    )
    notification = Notification(
        org_id=tenant.org.id, user_id=tenant.users[Role.ADMIN].id, kind="walk", title="Walk"
    )
    session.add_all([channel, notification])
    session.add_all([policy, alert])
    alert_rule = AlertRule(
        org_id=tenant.org.id,
        name=f"Walk {next(_unique)}",
        type="COVERAGE_GAP",
        metric="coverageGaps",
        operator=ComparisonOperator.GT,
        threshold=0.0,
        severity=AlertSeverity.LOW,
    )
    session.add(alert_rule)
    webhook = WebhookEndpoint(
        org_id=tenant.org.id,
        name=f"Walk {next(_unique)}",
        url="http://127.0.0.1:9/walk",
        events=["*"],
        secret=new_secret(),
    )
    session.add(webhook)
    await session.flush()
    message = WebhookMessage(org_id=tenant.org.id, event_type="team.updated", body="{}")
    session.add(message)
    await session.flush()
    webhook_delivery = WebhookDelivery(
        org_id=tenant.org.id,
        endpoint_id=webhook.id,
        message_id=message.id,
        event_type="team.updated",
        status=WebhookDeliveryStatus.FAILED,
        attempts=1,
        next_attempt_at=None,
        created_at=datetime(2030, 1, 2, tzinfo=UTC),
    )
    session.add(webhook_delivery)
    feed_token = secrets.token_urlsafe(32)
    calendar_feed = CalendarFeed(
        org_id=tenant.org.id,
        analyst_id=analyst.id,
        token_hash=hashlib.sha256(feed_token.encode()).hexdigest(),
        token_prefix=feed_token[:6],
        created_by_user_id=tenant.users[Role.ADMIN].id,
    )
    session.add(calendar_feed)
    await session.commit()
    return Ids(
        org=tenant.org.id,
        team=tenant.team.id,
        user=tenant.users[Role.VIEWER].id,
        analyst=analyst.id,
        shift_type=tenant.shift_types[0].id,
        assignment=assignment.id,
        absence=absence.id,
        holiday=holiday.id,
        blackout=blackout.id,
        api_key=api_key.id,
        requirement=requirement.id,
        shift_request=shift_request.id,
        generation_job=generation_job.id,
        channel=channel.id,
        notification=notification.id,
        escalation_policy=policy.id,
        alert=alert.id,
        alert_rule=alert_rule.id,
        webhook=webhook.id,
        webhook_delivery=webhook_delivery.id,
        calendar_feed=calendar_feed.id,
        feed_token=feed_token,
    )


def test_every_route_has_an_access_rule(app: FastAPI) -> None:
    known = set(RULES)
    present = {
        (method, path) for method, path, _ in operations(app) if not path.startswith("/docs")
    }
    assert present - known == set(), (
        "new routes need an access rule in RULES (and bodies in body())"
    )
    assert known - present == set(), "RULES lists routes that no longer exist"


async def test_without_a_token_only_public_routes_answer(
    client: httpx.AsyncClient, app: FastAPI, tenant: Tenant, session: AsyncSession
) -> None:
    ids = await arrange(session, tenant)
    for method, path, params in operations(app):
        response = await call(client, method, path, params, ids, {})
        if RULES[(method, path)] == PUBLIC:
            assert response.status_code != 403, (method, path)
        else:
            assert response.status_code == 401, (method, path, response.status_code, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"] == "Bearer"


async def test_roles_without_permission_are_refused(
    client: httpx.AsyncClient,
    app: FastAPI,
    tenant: Tenant,
    other_tenant: Tenant,
    session: AsyncSession,
) -> None:
    # `other_tenant`'s admin is not the platform operator.
    ids = await arrange(session, other_tenant)
    for (method, path, params), role in itertools.product(list(operations(app)), Role):
        allowed = RULES[(method, path)]
        if allowed == PUBLIC or role in allowed:
            continue
        response = await call(client, method, path, params, ids, other_tenant.headers[role])
        assert response.status_code == 403, (
            method,
            path,
            role,
            response.status_code,
            response.text,
        )
        assert response.headers["content-type"] == "application/problem+json"


async def test_another_organization_sees_nothing_and_changes_nothing(
    client: httpx.AsyncClient,
    app: FastAPI,
    tenant: Tenant,
    other_tenant: Tenant,
    session: AsyncSession,
) -> None:
    victim = await arrange(session, tenant)
    intruder = other_tenant.admin
    for method, path, params in operations(app):
        if RULES[(method, path)] in (PUBLIC, SUPERUSER, OPERATOR):
            continue
        if params:
            response = await call(client, method, path, params, victim, intruder)
            assert response.status_code == 404, (method, path, response.status_code, response.text)
        elif method == "GET":
            response = await call(client, method, path, params, victim, intruder)
            assert response.status_code == 200, (path, response.text)
            leaked = sorted(find_foreign(sent_documents(response), victim))
            assert not leaked, (path, leaked)
    # And nothing of the victim's changed: its assignment is still at version 1, its
    # absence still requested, its team still named as before.
    headers = tenant.admin
    assert (await client.get(f"/api/schedules/{victim.assignment}", headers=headers)).json()[
        "version"
    ] == 1
    absence = (await client.get(f"/api/absences/{victim.absence}", headers=headers)).json()
    assert (absence["status"], absence["note"], absence["version"]) == ("requested", "", 1)
    assert (await client.get(f"/api/teams/{victim.team}", headers=headers)).json()[
        "name"
    ] == tenant.team.name
    # Its rules too: its requirement still needs one, its request is still requested, its
    # team's settings are still the defaults.
    requirement = await client.get(
        f"/api/coverage-requirements/{victim.requirement}", headers=headers
    )
    assert requirement.json()["required"] == 1
    shift_request = await client.get(f"/api/shift-requests/{victim.shift_request}", headers=headers)
    assert shift_request.json()["status"] == "requested"
    settings = await client.get(f"/api/teams/{victim.team}/schedule-settings", headers=headers)
    assert settings.json()["weights"]["under_cover"] == 100
    # Its generation job is still queued: not cancelled, not applied.
    job = await client.get(f"/api/schedules/generate/{victim.generation_job}", headers=headers)
    assert job.json()["status"] == "queued"
    # Its escalation policy is as it was, and its alert never escalated.
    policy = await client.get(
        f"/monitoring/escalation-policies/{victim.escalation_policy}", headers=headers
    )
    assert (policy.json()["description"], policy.json()["version"]) == ("", 1)
    alert = await session.get(Alert, victim.alert)
    assert alert is not None
    assert (alert.escalation_step, alert.escalation_round) == (0, 0)
    # Its alert is still firing, unacknowledged and unsilenced; its rule as it was.
    assert (alert.status, alert.acknowledged_at, alert.silenced_until) == ("firing", None, None)
    rule = await client.get(f"/monitoring/alert-rules/{victim.alert_rule}", headers=headers)
    assert (rule.json()["description"], rule.json()["version"]) == ("", 1)
    # Its webhook as it was, its secret too, its failed delivery not retried.
    webhook = await session.get(WebhookEndpoint, victim.webhook, populate_existing=True)
    assert webhook is not None
    assert (webhook.description, webhook.version, webhook.enabled) == (None, 1, True)
    assert webhook.previous_secret is None
    delivery = await session.get(WebhookDelivery, victim.webhook_delivery, populate_existing=True)
    assert delivery is not None
    assert (delivery.status, delivery.attempts) == (WebhookDeliveryStatus.FAILED, 1)


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def test_nobody_but_an_operator_writes_an_operators_account(
    client: httpx.AsyncClient,
    app: FastAPI,
    tenant: Tenant,
    session: AsyncSession,
    runtime: Runtime,
) -> None:
    """Every write that names a user, aimed at the platform operator by an admin of the
    operator's own organization and by an admin API key of it: all refused."""
    operator = tenant.users[Role.ADMIN]
    admin = await make_user(session, runtime, tenant.org, Role.ADMIN)
    await session.commit()
    admin_headers = await bearer(session, runtime, admin)
    key = await client.post(
        "/api/api-keys", json={"name": "walk", "role": "admin"}, headers=admin_headers
    )
    ids = await arrange(session, tenant)
    ids.user = operator.id
    walked = 0
    for method, path, params in operations(app):
        if method not in WRITES or "user_id" not in params:
            continue
        for headers in (admin_headers, {"X-API-Key": key.json()["key"]}):
            response = await call(client, method, path, params, ids, headers)
            assert response.status_code == 403, (method, path, response.status_code, response.text)
            walked += 1
    assert walked >= 4
    signed_in = await client.post(
        "/api/auth/login", json={"email": operator.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    me = (await client.get("/api/auth/me", headers=tenant.admin)).json()["user"]
    assert (me["full_name"], me["role"], me["is_active"]) == (operator.full_name, "admin", True)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/schedules", "analyst_id"),
        ("/api/schedules", "shift_type_id"),
        ("/api/analysts", "team_id"),
        ("/api/shift-types", "team_id"),
        ("/api/holidays", "team_id"),
        ("/api/blackout-dates", "team_id"),
        ("/api/absences", "analyst_id"),
        ("/api/coverage-requirements", "shift_type_id"),
        ("/api/shift-requests", "analyst_id"),
        ("/api/shift-requests", "shift_type_id"),
        ("/api/schedules/generate", "team_id"),
        ("/api/calendar-feeds", "analyst_id"),
    ],
)
async def test_a_body_cannot_refer_to_another_organizations_resources(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    session: AsyncSession,
    path: str,
    field: str,
) -> None:
    victim = await arrange(session, tenant)
    own = await arrange(session, other_tenant)
    payload = body("POST", path, own)
    assert payload is not None
    payload[field] = getattr(victim, field.removesuffix("_id"))
    response = await client.post(path, json=payload, headers=other_tenant.admin)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == f"#/{field}"


def find_foreign(document: Any, victim: Ids) -> Iterator[str]:
    """Places in a response that show the victim organization's data."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "org_id" and value == victim.org:
                yield f"org_id={value}"
            elif key == "analyst_id" and value == victim.analyst:
                yield f"analyst_id={value}"
            elif key == "assignment_ids" and victim.assignment in (value or []):
                yield f"assignment_ids∋{victim.assignment}"
            else:
                yield from find_foreign(value, victim)
    elif isinstance(document, list):
        for item in document:
            yield from find_foreign(item, victim)


async def test_a_monitoring_key_reads_the_operator_routes_and_nothing_more(
    client: httpx.AsyncClient, app: FastAPI, tenant: Tenant
) -> None:
    created = await client.post(
        "/api/api-keys",
        json={"name": "prometheus", "role": "viewer", "scopes": ["monitoring"]},
        headers=tenant.admin,
    )
    assert created.status_code == 201, created.text
    key = {"X-API-Key": created.json()["key"]}
    for method, path, params in operations(app):
        if method != "GET" or params:
            continue
        response = await client.get(path, params=QUERIES.get(path), headers=key)
        if RULES[(method, path)] == OPERATOR:
            assert response.status_code == 200, (path, response.text)
        elif RULES[(method, path)] == SUPERUSER:
            assert response.status_code == 403, (path, response.status_code)
