"""GET /api/events against a real server: a change made through the API reaches the
other people's streams as it happens, each as far as they may read it, and never another
organization's."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from datetime import date

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.events.outbox import dispatched
from shiftplanner.models import AbsenceStatus, OutboxEvent, Role
from shiftplanner.runtime import Runtime
from shiftplanner.webhooks.messages import body_of, encoded
from tests.factories import Tenant, bearer, make_absence, make_assignment, make_user
from tests.live.support import EventStream, Message, Served, holds, listening, of_type

DAY = date(2030, 1, 8)


def kinds(messages: Sequence[Message]) -> list[str | None]:
    return [message.event for message in messages]


async def test_an_edit_by_one_manager_reaches_another_managers_stream(
    http: httpx.AsyncClient,
    server: Served,
    tenant: Tenant,
    session: AsyncSession,
    runtime: Runtime,
) -> None:
    other_manager = await make_user(session, runtime, tenant.org, Role.MANAGER)
    assignment = await make_assignment(session, tenant.analysts[0], tenant.shift_types[0], DAY)
    await session.commit()
    editor = await bearer(session, runtime, other_manager)
    async with listening(http, tenant.manager) as stream:
        edited = await http.patch(
            f"/api/schedules/{assignment.id}",
            json={"note": "swap with Sam", "version": 1},
            headers=editor,
        )
        assert edited.status_code == 200, edited.text
        [message] = await stream.until(of_type("schedule.updated", id=assignment.id))
    row = await session.scalar(
        select(OutboxEvent).where(
            OutboxEvent.event_type == "schedule.updated", OutboxEvent.resource_id == assignment.id
        )
    )
    assert row is not None
    # The outbox id, the type, and the webhook body of the same event, byte for byte.
    assert (message.id, message.event) == (str(row.id), "schedule.updated")
    assert message.data == json.loads(encoded(body_of(dispatched(row))))
    assert message.data["data"]["note"] == "swap with Sam"
    assert message.data["changes"]["note"] == {"old": "", "new": "swap with Sam"}


async def test_the_answer_is_an_event_stream_that_opens_with_its_position(
    http: httpx.AsyncClient, server: Served, tenant: Tenant
) -> None:
    async with http.stream(
        "GET", "/api/events", headers={**tenant.viewer, "Accept": "text/event-stream"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        stream = EventStream(response)
        first = await stream.next()
        await stream.close()
    assert first is not None
    assert (first.event, first.data["type"]) == ("ping", "ping")
    assert first.id == str(server.hub.cursor)


async def test_each_reader_gets_exactly_what_the_api_lets_them_read(
    http: httpx.AsyncClient, server: Served, tenant: Tenant
) -> None:
    own = tenant.analysts[2]  # the analyst user's
    someone_else = tenant.analysts[0]
    streams: dict[Role, EventStream] = {}
    async with (
        listening(http, tenant.admin) as streams[Role.ADMIN],
        listening(http, tenant.manager) as streams[Role.MANAGER],
        listening(http, tenant.analyst) as streams[Role.ANALYST],
        listening(http, tenant.viewer) as streams[Role.VIEWER],
    ):
        changes = [
            # admin only
            ("/api/users", {"email": "new@example.com", "role": "viewer", "password": "x" * 16}),
            # managers and admins
            (
                "/monitoring/alert-rules",
                {
                    "name": "Gaps",
                    "condition": {"metric": "coverageGaps", "operator": "gt", "threshold": 0},
                    "severity": "LOW",
                },
            ),
            # personal: the analyst's own, and someone else's
            (
                "/api/absences",
                {
                    "analyst_id": own.id,
                    "start_date": "2030-02-04",
                    "end_date": "2030-02-05",
                    "kind": "vacation",
                },
            ),
            (
                "/api/absences",
                {
                    "analyst_id": someone_else.id,
                    "start_date": "2030-02-04",
                    "end_date": "2030-02-05",
                    "kind": "vacation",
                },
            ),
        ]
        for path, payload in changes:
            created = await http.post(path, json=payload, headers=tenant.admin)
            assert created.status_code == 201, (path, created.text)
        # Everyone may read this one, and events arrive in order: it closes the test.
        renamed = await http.patch(
            f"/api/teams/{tenant.team.id}", json={"name": "Last"}, headers=tenant.admin
        )
        assert renamed.status_code == 200, renamed.text
        received = {
            role: await stream.until(of_type("team.updated", name="Last"))
            for role, stream in streams.items()
        }
    absences = ["absence.requested", "absence.requested"]
    assert kinds(received[Role.ADMIN]) == [
        "user.created",
        "alert_rule.created",
        *absences,
        "team.updated",
    ]
    assert kinds(received[Role.MANAGER]) == ["alert_rule.created", *absences, "team.updated"]
    assert kinds(received[Role.ANALYST]) == ["absence.requested", "team.updated"]
    assert received[Role.ANALYST][0].data["data"]["analyst_id"] == own.id
    assert kinds(received[Role.VIEWER]) == ["team.updated"]


async def test_someone_elses_absence_stays_out_of_the_conflicts_an_analyst_is_sent(
    http: httpx.AsyncClient,
    server: Served,
    tenant: Tenant,
    session: AsyncSession,
) -> None:
    own, someone_else = tenant.analysts[2], tenant.analysts[0]
    absences = []
    for analyst in (someone_else, own):
        await make_assignment(session, analyst, tenant.shift_types[0], DAY)
        absences.append(
            await make_absence(session, analyst, DAY, DAY, status=AbsenceStatus.REQUESTED)
        )
    await session.commit()
    async with (
        listening(http, tenant.analyst) as analyst_stream,
        listening(http, tenant.admin) as admin_stream,
    ):
        for absence in absences:
            approved = await http.post(
                f"/api/absences/{absence.id}/approve", headers=tenant.manager
            )
            assert approved.status_code == 200, approved.text
        renamed = await http.patch(
            f"/api/teams/{tenant.team.id}", json={"name": "Last"}, headers=tenant.admin
        )
        assert renamed.status_code == 200, renamed.text
        sent_to_analyst = await analyst_stream.until(of_type("team.updated", name="Last"))
        sent_to_admin = await admin_stream.until(of_type("team.updated", name="Last"))
    conflict = "conflict.detected"
    assert kinds(sent_to_admin) == [*["absence.approved", conflict] * 2, "team.updated"]
    # Only their own absence and its overlap: the other approval and its conflict are
    # someone else's personal data.
    assert kinds(sent_to_analyst) == ["absence.approved", conflict, "team.updated"]
    approval, overlap = sent_to_analyst[0].data["data"], sent_to_analyst[1].data["data"]
    assert approval["analyst_id"] == own.id
    assert {c["analyst_id"] for c in overlap["conflicts"] if c["type"] == "absence_overlap"} == {
        own.id
    }


async def test_another_organizations_changes_never_arrive(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, other_tenant: Tenant
) -> None:
    async with (
        listening(http, other_tenant.admin) as theirs,
        listening(http, tenant.admin) as ours,
    ):
        for name in ("One", "Two"):
            renamed = await http.patch(
                f"/api/teams/{tenant.team.id}", json={"name": name}, headers=tenant.admin
            )
            assert renamed.status_code == 200, renamed.text
        created = await http.post(
            "/api/users",
            json={"email": "ours@example.com", "role": "viewer", "password": "x" * 16},
            headers=tenant.admin,
        )
        assert created.status_code == 201, created.text
        renamed = await http.patch(
            f"/api/teams/{other_tenant.team.id}",
            json={"name": "Theirs"},
            headers=other_tenant.admin,
        )
        assert renamed.status_code == 200, renamed.text
        sent_to_them = await theirs.until(of_type("team.updated", name="Theirs"))
        # Ours end with our own last change; theirs would have come after it.
        sent_to_us = await ours.until(of_type("user.created"))
        await asyncio.sleep(0.3)
    assert [(m.event, m.data["data"]["org_id"]) for m in sent_to_them] == [
        ("team.updated", other_tenant.org.id)
    ]
    assert {m.data["data"]["org_id"] for m in sent_to_us} == {tenant.org.id}
    assert all(m.data["data"].get("name") != "Theirs" for m in ours.received if m.event != "ping")


def measured(field: str) -> float:
    value = REGISTRY.get_sample_value(
        f"shiftplanner_http_request_duration_seconds_{field}",
        {"method": "GET", "route": "/api/events"},
    )
    return value or 0.0


async def test_a_stream_is_measured_to_its_opening_not_its_length(
    http: httpx.AsyncClient, server: Served, tenant: Tenant
) -> None:
    """How long a page stays is no latency: a stream counts as fast as it opened."""
    server.hub.ping_seconds = 0.25
    count, total = measured("count"), measured("sum")
    started = time.monotonic()
    async with listening(http, tenant.viewer) as stream:
        opened_after = time.monotonic() - started
        for _ in range(6):
            message = await stream.next()
            assert message is not None
            assert message.event == "ping"
    lasted = time.monotonic() - started
    await holds(lambda: measured("count") > count, within=10)
    assert measured("count") == count + 1
    # From the request to the answer's start: before the client had its first message.
    assert measured("sum") - total <= opened_after + 0.05 < lasted - 1
