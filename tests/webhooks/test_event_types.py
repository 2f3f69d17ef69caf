"""The event-type catalogue: every event the service emits is in it, with a JSON Schema
that accepts the bodies the code really makes and refuses others; the route lists it
for any signed-in user; subscription patterns are checked against it."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import jsonschema_rs
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import NotFound
from shiftplanner.events import DispatchedEvent, DomainEvent, EventType, emit
from shiftplanner.models import OutboxEvent
from shiftplanner.webhooks import messages
from shiftplanner.webhooks.event_types import service as event_type_service
from tests.conftest import EventCatalogueGuard
from tests.factories import Tenant

URL = "/monitoring/webhooks/event-types"
DAY = date.today() + timedelta(days=30)


def validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def body_of(event: OutboxEvent) -> dict[str, Any]:
    """The webhook body of a stored event, as the brief defines it."""
    return {
        "type": event.event_type,
        "timestamp": event.occurred_at.isoformat(),
        **event.payload,
    }


async def stored_events(session: AsyncSession, event_type: str) -> list[OutboxEvent]:
    rows = await session.scalars(
        select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.id)
    )
    return list(rows)


def test_every_event_type_is_catalogued_with_the_webhooks_own_two() -> None:
    names = [entry.name for entry in event_type_service.event_types()]
    assert names == sorted(names)
    assert set(names) == {member.value for member in EventType} | {"webhook.test", "batch"}
    for entry in event_type_service.event_types():
        assert entry.description.strip(), entry.name
        assert "\n" not in entry.description, entry.name


def test_each_schema_names_its_type_and_requires_the_body_fields() -> None:
    for entry in event_type_service.event_types():
        schema = event_type_service.payload_schema(entry.name)
        assert schema["properties"]["type"]["const"] == entry.name
        assert schema["properties"]["timestamp"]["format"] == "date-time"
        assert set(schema["required"]) == {"type", "timestamp", "data"}
        assert "changes" in schema["properties"]
        assert event_type_service.data_schema(entry.name)["type"] == "object"


def test_an_unknown_type_has_no_schema() -> None:
    with pytest.raises(NotFound):
        event_type_service.payload_schema("schedule.exploded")


def test_data_is_named_as_the_api_answers() -> None:
    # events.resources.public dumps by alias: camelCase where the API is.
    alert = event_type_service.data_schema("alert.triggered")["properties"]
    assert "ruleName" in alert
    assert "rule_name" not in alert
    assert "analyst_id" in event_type_service.data_schema("schedule.created")["properties"]


async def test_any_signed_in_user_lists_every_type_with_its_schema(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(URL, headers=tenant.viewer)
    assert response.status_code == 200, response.text
    listed = response.json()
    assert [item["name"] for item in listed] == [
        entry.name for entry in event_type_service.event_types()
    ]
    by_name = {item["name"]: item for item in listed}
    assert set(by_name["schedule.created"]) == {"name", "description", "schema"}
    assert by_name["schedule.created"]["schema"] == event_type_service.payload_schema(
        "schedule.created"
    )
    assert "webhook.test" in by_name
    assert "batch" in by_name


async def test_the_list_needs_a_sign_in(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(URL)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    forged = await client.get(URL, headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401


async def test_a_schema_accepts_the_bodies_the_code_emits_and_refuses_wrong_ones(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    renamed = await client.patch(
        f"/api/teams/{tenant.team.id}", json={"name": "Singapore"}, headers=tenant.admin
    )
    assert renamed.status_code == 200, renamed.text
    booking = {
        "analyst_id": tenant.analysts[0].id,
        "shift_type_id": tenant.shift_types[0].id,
        "date": str(DAY),
    }
    booked = await client.post("/api/schedules", json=booking, headers=tenant.manager)
    assert booked.status_code == 201, booked.text
    listed = (await client.get(URL, headers=tenant.analyst)).json()
    schemas = {item["name"]: item["schema"] for item in listed}

    [team_updated] = await stored_events(session, "team.updated")
    [scheduled] = await stored_events(session, "schedule.created")
    update_body, created_body = body_of(team_updated), body_of(scheduled)
    assert update_body["changes"]["name"]["new"] == "Singapore"
    team_schema, schedule_schema = (
        validator(schemas["team.updated"]),
        validator(schemas["schedule.created"]),
    )
    assert team_schema.is_valid(update_body)
    assert schedule_schema.is_valid(created_body)

    # A body of another type, or one whose data is not the resource, is refused.
    assert not team_schema.is_valid(created_body)
    assert not schedule_schema.is_valid(created_body | {"type": "schedule.updated"})
    assert not schedule_schema.is_valid(created_body | {"data": update_body["data"]})
    wrong = copy.deepcopy(created_body)
    wrong["data"]["analyst_id"] = "the first one"
    assert not schedule_schema.is_valid(wrong)
    missing = copy.deepcopy(created_body)
    del missing["data"]["date"]
    assert not schedule_schema.is_valid(missing)
    assert not schedule_schema.is_valid(created_body | {"timestamp": "yesterday"})
    assert not team_schema.is_valid(update_body | {"changes": {"name": "Singapore"}})


def test_the_published_schema_leaves_room_for_new_fields_the_strict_one_does_not() -> None:
    body = {
        "type": "webhook.test",
        "timestamp": "2026-12-03T10:00:00+00:00",
        "data": {"endpointId": 1, "message": "hello", "later": True},
    }
    assert validator(event_type_service.payload_schema("webhook.test")).is_valid(body)
    assert not validator(event_type_service.payload_schema("webhook.test", strict=True)).is_valid(
        body
    )


def test_the_webhooks_own_bodies_match_their_catalogue_entries() -> None:
    # Not domain events, so the suite's guard never sees them: checked here.
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    test = messages.test_body(7, now)
    assert validator(event_type_service.payload_schema("webhook.test", strict=True)).is_valid(test)
    events = [
        DispatchedEvent(
            id=n,
            type="team.updated",
            org_id=1,
            resource_type="team",
            resource_id=1,
            actor_user_id=None,
            occurred_at=now,
            payload={
                "data": {"id": 1, "name": name},
                "changes": {"name": {"old": "A", "new": name}},
            },
        )
        for n, name in ((1, "B"), (2, "C"))
    ]
    batch = messages.batch_of(events)
    assert len(batch["data"]["events"]) == 2
    assert validator(event_type_service.payload_schema("batch", strict=True)).is_valid(batch)


def test_a_secret_change_says_only_that_it_changed() -> None:
    # users.service records a new password as {"changed": true}, never a value.
    schema = event_type_service.payload_schema("user.updated", strict=True)
    schema["properties"]["data"] = {"type": "object"}  # only `changes` matters here
    check = validator(schema)
    body = {"type": "user.updated", "timestamp": "2026-12-03T10:00:00Z", "data": {}}
    assert check.is_valid(body | {"changes": {"password": {"changed": True}}})
    assert check.is_valid(body | {"changes": {"full_name": {"old": "A", "new": "B"}}})
    assert not check.is_valid(body | {"changes": {"password": {"changed": False}}})
    assert not check.is_valid(body | {"changes": {"password": {"new": "hunter2"}}})
    assert not check.is_valid(
        body | {"changes": {"role": {"old": "viewer", "new": "admin", "x": 1}}}
    )


def test_shift_times_are_local_times_of_day() -> None:
    # pydantic calls a time `format: time`, which JSON Schema reads as RFC 3339 (with
    # an offset); a shift's times have none.
    start = event_type_service.data_schema("shift_type.created")["properties"]["start_time"]
    assert "format" not in start
    check = validator(start)
    assert check.is_valid("07:00:00")
    assert check.is_valid("23:30:00.250000")
    assert not check.is_valid("7am")
    assert not check.is_valid("24:00:00")


def test_a_batch_holds_bodies_of_any_type() -> None:
    inner = {"type": "team.updated", "timestamp": "2026-12-03T10:00:00Z", "data": {"id": 1}}
    schema = validator(event_type_service.payload_schema("batch", strict=True))
    body = {"type": "batch", "timestamp": "2026-12-03T10:00:01Z", "data": {"events": [inner]}}
    assert schema.is_valid(body)
    assert not schema.is_valid(body | {"data": {"events": [{"type": "team.updated"}]}})


async def test_the_suite_guard_refuses_an_event_the_catalogue_does_not_describe(
    session: AsyncSession, tenant: Tenant, event_catalogue_guard: EventCatalogueGuard
) -> None:
    event = DomainEvent(
        type=EventType.TEAM_CREATED,
        org_id=tenant.org.id,
        resource_type="team",
        resource_id=tenant.team.id,
        data={"id": tenant.team.id, "name": "no code, no timestamps"},
    )
    failures = len(event_catalogue_guard.failures)
    with pytest.raises(AssertionError, match=r"team\.created .*catalogue"):
        emit(session, event)
    # Expected here: not a failure of the suite.
    del event_catalogue_guard.failures[failures:]
    await session.rollback()


@pytest.mark.parametrize(
    ("patterns", "event_type", "expected"),
    [
        (["*"], "alert.triggered", True),
        (["schedule.*"], "schedule.updated", True),
        (["schedule.created"], "schedule.created", True),
        (["schedule.created"], "schedule.deleted", False),
        (["schedule.*"], "shift_request.created", False),
        (["team.*"], "team.schedule_settings_updated", True),
        # A prefix is a whole resource name, not the start of one.
        (["shift.*"], "shift_type.created", False),
        (["alert.*"], "alert_rule.created", False),
        (["absence.approved", "alert.*"], "alert.resolved", True),
        ([], "schedule.created", False),
    ],
)
def test_patterns_select_types(patterns: list[str], event_type: str, expected: bool) -> None:
    assert event_type_service.matches(patterns, event_type) is expected


@pytest.mark.parametrize(
    "pattern",
    ["*", "schedule.*", "schedule.created", "webhook.*", "endpoint.disabled", "alert_rule.*"],
)
def test_patterns_that_select_something_are_accepted(pattern: str) -> None:
    assert event_type_service.pattern_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("schedul.*", ["schedul.", "did you mean `schedule`", "absence, alert"]),
        ("schedule.create", ["did you mean `schedule.created`", "schedule.deleted"]),
        ("rota.created", ["The resources are:", "schedule"]),
        ("*.created", ["`<resource>.*`"]),
        ("sched*", ["exact event type"]),
        ("schedule.**", ["exact event type"]),
        ("webhook.test", ["the endpoint you test"]),
        ("batch", ["`batch` option"]),
    ],
)
def test_patterns_that_select_nothing_are_refused_naming_what_exists(
    pattern: str, said: list[str]
) -> None:
    problem = event_type_service.pattern_problem(pattern)
    assert problem is not None
    for words in said:
        assert words in problem, problem


def test_no_subscription_pattern_reaches_the_webhooks_own_types() -> None:
    assert "webhook.test" not in event_type_service.SUBSCRIBABLE
    assert "batch" not in event_type_service.SUBSCRIBABLE
    assert event_type_service.pattern_problem("webhook.*") is None
