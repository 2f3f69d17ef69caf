"""What reaches which endpoint: the event type filters, the organization's own events
only, each event queued once however often it is handed over, batches for one change's
events, and the body of a message."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.events.outbox import dispatched
from shiftplanner.kit.time import utcnow
from shiftplanner.models import OutboxEvent
from shiftplanner.runtime import Runtime
from shiftplanner.webhooks.consumer import queue_deliveries
from tests.factories import Tenant
from tests.receivers import HttpReceiver
from tests.webhooks.support import (
    bodies,
    deliveries,
    dispatch,
    flush,
    new_team,
    subscribe,
)

DAY = date(2030, 3, 4)


async def assign(
    client: httpx.AsyncClient, tenant: Tenant, analyst_id: int, shift_type_id: int, day: date = DAY
) -> dict[str, Any]:
    """A change of one event: an assignment (`schedule.created`)."""
    response = await client.post(
        "/api/schedules",
        json={"analyst_id": analyst_id, "shift_type_id": shift_type_id, "date": str(day)},
        headers=tenant.manager,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def first_analyst(tenant: Tenant) -> tuple[int, int]:
    """Ids of an analyst and a shift type (read while the tenant's rows are loaded)."""
    return tenant.analysts[0].id, tenant.shift_types[0].id


async def read(client: httpx.AsyncClient, tenant: Tenant, path: str) -> dict[str, Any]:
    response = await client.get(path, headers=tenant.admin)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


async def outbox(session: AsyncSession, after: int = 0) -> list[OutboxEvent]:
    rows = await session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.id > after)
        .order_by(OutboxEvent.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


def types(received: list[dict[str, Any]]) -> list[str]:
    return [body["type"] for body in received]


async def test_an_endpoint_gets_the_event_types_it_subscribed_to(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    await subscribe(client, tenant, receiver.url + "/schedule", ["schedule.*"])
    await subscribe(client, tenant, receiver.url + "/exact", ["team.created", "schedule.deleted"])
    await dispatch(runtime)
    everything = await subscribe(client, tenant, receiver.url + "/all", ["*"])
    [last_before] = [e.id for e in await outbox(session) if e.resource_id == everything["id"]]

    team = await new_team(client, tenant, "T1")
    renamed = await client.patch(
        f"/api/teams/{team['id']}", json={"name": "Renamed"}, headers=tenant.admin
    )
    assert renamed.status_code == 200, renamed.text
    # `schedule.*` is the schedule's events, not a team's schedule settings.
    put = await client.put(
        f"/api/teams/{team['id']}/schedule-settings",
        json={"holidays_off": False},
        headers=tenant.manager,
    )
    assert put.status_code == 200, put.text
    assignment = await assign(client, tenant, *first_analyst(tenant))
    noted = await client.patch(
        f"/api/schedules/{assignment['id']}",
        json={"note": "bring the keys", "version": assignment["version"]},
        headers=tenant.manager,
    )
    assert noted.status_code == 200, noted.text
    deleted = await client.delete(
        f"/api/schedules/{assignment['id']}",
        params={"version": noted.json()["version"]},
        headers=tenant.manager,
    )
    assert deleted.status_code == 200, deleted.text
    await flush(runtime)

    assert types(bodies(receiver.requests, "/schedule")) == [
        "schedule.created",
        "schedule.updated",
        "schedule.deleted",
    ]
    assert types(bodies(receiver.requests, "/exact")) == ["team.created", "schedule.deleted"]
    emitted = [e.event_type for e in await outbox(session, after=last_before - 1)]
    assert "team.schedule_settings_updated" in emitted
    assert types(bodies(receiver.requests, "/all")) == emitted


async def test_an_endpoint_never_gets_another_organizations_events(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    ours, theirs = tenant.org.id, other_tenant.org.id
    mine = await subscribe(client, tenant, receiver.url + "/ours", ["*"])
    other = await subscribe(client, other_tenant, receiver.url + "/theirs", ["*"])
    for code in ("A1", "A2"):
        await new_team(client, tenant, code)
    for code in ("B1", "B2"):
        await new_team(client, other_tenant, code)
    await assign(client, tenant, *first_analyst(tenant))
    await assign(client, other_tenant, *first_analyst(other_tenant))
    await flush(runtime)

    def codes(path: str) -> list[str]:
        return [
            b["data"]["code"]
            for b in bodies(receiver.requests, path)
            if b["type"] == "team.created"
        ]

    assert codes("/ours") == ["A1", "A2"]
    assert codes("/theirs") == ["B1", "B2"]
    for path, org_id in (("/ours", ours), ("/theirs", theirs)):
        received = bodies(receiver.requests, path)
        assert "schedule.created" in types(received)
        # Every resource that names its organization names this one.
        owners = [b["data"]["org_id"] for b in received if "org_id" in b["data"]]
        assert len(owners) >= 3
        assert set(owners) == {org_id}
    by_endpoint = {(d.endpoint_id, d.org_id) for d in await deliveries(session)}
    assert by_endpoint == {(mine["id"], ours), (other["id"], theirs)}


async def test_an_event_handed_over_twice_is_queued_once(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    await subscribe(client, tenant, receiver.url + "/a", ["team.*"])
    await subscribe(client, tenant, receiver.url + "/b", ["team.created"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    assert len(await deliveries(session)) == 2
    [row] = [e for e in await outbox(session) if e.event_type == "team.created"]
    event = dispatched(row)

    assert await queue_deliveries(session, event) == 0
    assert await queue_deliveries(session, event) == 0
    await session.commit()
    assert len(await deliveries(session)) == 2
    assert await flush(runtime) == 2
    assert sorted(r.path for r in receiver.requests) == ["/a", "/b"]


async def test_a_batching_endpoint_gets_one_message_per_change(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    lone_ids = first_analyst(tenant)
    hook = await subscribe(client, tenant, receiver.url + "/batch", ["schedule.*"], batch=True)
    assert hook["batch"] is True
    await subscribe(client, tenant, receiver.url + "/single", ["schedule.*"])
    await dispatch(runtime)
    first_event = max(e.id for e in await outbox(session))
    items = [
        {
            "analyst_id": analyst.id,
            "shift_type_id": tenant.shift_types[0].id,
            "date": str(DAY),
        }
        for analyst in tenant.analysts
    ]
    bulk = await client.post("/api/schedules/bulk", json={"items": items}, headers=tenant.manager)
    assert bulk.status_code == 200, bulk.text
    created = bulk.json()["created"]
    assert len(created) == 3
    await flush(runtime)

    [batch] = bodies(receiver.requests, "/batch")
    assert batch["type"] == "batch"
    events = batch["data"]["events"]
    assert types(events) == ["schedule.created"] * 3
    assert [e["data"] for e in events] == created
    emitted = [
        e for e in await outbox(session, after=first_event) if e.event_type == "schedule.created"
    ]
    assert [e["data"]["id"] for e in events] == [e.resource_id for e in emitted]
    assert batch["timestamp"] == events[0]["timestamp"]
    single = bodies(receiver.requests, "/single")
    assert single == events
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 4

    # Handing the change's events over again queues nothing more.
    for row in emitted:
        assert await queue_deliveries(session, dispatched(row)) == 0
    await session.commit()
    assert len(await deliveries(session)) == 4

    # A change of one event comes as that event, batching or not.
    lone = await assign(client, tenant, *lone_ids, day=DAY.replace(day=5))
    await flush(runtime)
    [message] = bodies(receiver.requests, "/batch")[1:]
    assert message["type"] == "schedule.created"
    assert message["data"]["id"] == lone["id"]
    assert bodies(receiver.requests, "/single")[3:] == [message]


async def test_a_message_carries_the_resource_as_the_api_shows_it(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    receiver: HttpReceiver,
) -> None:
    await subscribe(client, tenant, receiver.url, ["schedule.*"])
    started = utcnow()
    created = await assign(client, tenant, *first_analyst(tenant))
    path = f"/api/schedules/{created['id']}"
    after_create = await read(client, tenant, path)
    noted = await client.patch(
        path, json={"note": "bring the keys", "version": created["version"]}, headers=tenant.manager
    )
    assert noted.status_code == 200, noted.text
    after_update = await read(client, tenant, path)
    deleted = await client.delete(
        path, params={"version": after_update["version"]}, headers=tenant.manager
    )
    assert deleted.status_code == 200, deleted.text
    finished = utcnow()
    await flush(runtime)

    create, update, delete = bodies(receiver.requests)
    assert set(create) == {"type", "timestamp", "data"}
    assert create["type"] == "schedule.created"
    assert create["data"] == after_create
    assert set(update) == {"type", "timestamp", "data", "changes"}
    assert update["type"] == "schedule.updated"
    assert update["data"] == after_update
    assert update["changes"] == {"note": {"old": created["note"], "new": "bring the keys"}}
    assert set(delete) == {"type", "timestamp", "data"}
    assert delete["type"] == "schedule.deleted"
    # As it was when it was deleted.
    assert delete["data"] == after_update
    for body in (create, update, delete):
        at = datetime.fromisoformat(body["timestamp"])
        assert at.utcoffset() == UTC.utcoffset(None)
        assert started <= at <= finished
    assert [datetime.fromisoformat(b["timestamp"]) for b in (create, update, delete)] == sorted(
        datetime.fromisoformat(b["timestamp"]) for b in (create, update, delete)
    )


async def test_each_commit_is_a_change_of_its_own_whatever_its_request_id(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    """Events written under one request id by several transactions (a generation job runs
    under the id of the request that queued it; a client may send one `X-Request-ID`
    twice) are several changes: each its own batch, a change of one event that event."""
    await subscribe(client, tenant, receiver.url + "/batch", ["schedule.*"], batch=True)
    await dispatch(runtime)
    change = {"X-Request-ID": "one-id-three-commits"}
    (a, b, c), shift_type = tenant.analysts, tenant.shift_types[0].id

    def items(*analysts: Any, day: date) -> dict[str, Any]:
        return {
            "items": [
                {"analyst_id": analyst.id, "shift_type_id": shift_type, "date": str(day)}
                for analyst in analysts
            ]
        }

    async def bulk(*analysts: Any, day: date) -> list[int]:
        response = await client.post(
            "/api/schedules/bulk",
            json=items(*analysts, day=day),
            headers=tenant.manager | change,
        )
        assert response.status_code == 200, response.text
        return [created["id"] for created in response.json()["created"]]

    first = await bulk(a, b, day=DAY)
    await flush(runtime)
    later = await bulk(a, b, day=DAY.replace(day=5))
    last = await bulk(c, day=DAY.replace(day=6))
    await flush(runtime)

    sent = bodies(receiver.requests, "/batch")
    assert [m["type"] for m in sent] == ["batch", "batch", "schedule.created"]
    assert [[e["data"]["id"] for e in m["data"]["events"]] for m in sent[:2]] == [first, later]
    assert [sent[2]["data"]["id"]] == last
    # Handing every event over again queues nothing more.
    for row in await outbox(session):
        assert await queue_deliveries(session, dispatched(row)) == 0
    await session.commit()
    assert len(await deliveries(session)) == 3
