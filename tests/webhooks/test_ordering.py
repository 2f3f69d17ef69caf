"""Order and exclusivity: an ordered endpoint gets its messages one after another (a
failing one holds back the rest), an unordered one gets them all at once; an endpoint a
sender holds is served by no other, and two senders over one database never send a
message twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.time import utcnow
from shiftplanner.models import WebhookDeliveryStatus, WebhookEndpoint
from shiftplanner.runtime import Runtime
from shiftplanner.webhooks.sender import WebhookSender
from tests.factories import Tenant
from tests.receivers import HttpReceiver, ThreadedHttpReceiver
from tests.webhooks.support import (
    bodies,
    deliveries,
    dispatch,
    flush,
    new_team,
    sender_with,
    subscribe,
)

PENDING = WebhookDeliveryStatus.PENDING
SUCCEEDED = WebhookDeliveryStatus.SUCCEEDED


def team_codes(received: list[dict[str, Any]]) -> list[str]:
    return [body["data"]["code"] for body in received]


async def test_an_ordered_endpoint_holds_back_later_messages_until_the_first_goes_through(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    receiver.statuses = [500]
    hook = await subscribe(client, tenant, receiver.url, ["team.*"])
    assert hook["ordered"] is True  # the default
    for code in ("T1", "T2", "T3"):
        await new_team(client, tenant, code)
    await dispatch(runtime)
    at = utcnow()
    assert await flush(runtime, at) == 1
    first, second, third = await deliveries(session)
    assert (first.status, first.attempts) == (PENDING, 1)
    assert (second.attempts, third.attempts) == (0, 0)
    due = first.next_attempt_at
    assert due is not None
    # Due themselves, the later two wait for the first's retry.
    assert await flush(runtime, due - timedelta(seconds=0.5)) == 0
    assert len(receiver.requests) == 1

    assert await flush(runtime, due) == 3
    assert team_codes(bodies(receiver.requests)) == ["T1", "T1", "T2", "T3"]
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids[0] == ids[1]
    assert len(set(ids)) == 3
    assert [(d.status, d.attempts) for d in await deliveries(session)] == [
        (SUCCEEDED, 2),
        (SUCCEEDED, 1),
        (SUCCEEDED, 1),
    ]


async def test_an_unordered_endpoint_is_not_held_back_by_a_failing_message(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    receiver.statuses = [500]
    await subscribe(client, tenant, receiver.url, ["team.*"], ordered=False)
    for code in ("T1", "T2", "T3"):
        await new_team(client, tenant, code)
    await dispatch(runtime)
    at = utcnow()
    # All three in one round: the one that failed (the first to arrive) holds back none.
    assert await runtime.webhook_sender.run_once(at) == 3
    assert sorted(team_codes(bodies(receiver.requests))) == ["T1", "T2", "T3"]
    failed_id = receiver.requests[0].headers["webhook-id"]
    by_id = {d.webhook_id: d for d in await deliveries(session)}
    assert by_id.pop(failed_id).status is PENDING
    assert [d.status for d in by_id.values()] == [SUCCEEDED, SUCCEEDED]

    # A change made while the failed one waits for its retry goes at once.
    await new_team(client, tenant, "T4")
    await dispatch(runtime)
    assert await flush(runtime, utcnow()) == 1
    assert team_codes(bodies(receiver.requests[3:])) == ["T4"]
    pending = [d for d in await deliveries(session) if d.status is PENDING]
    assert [d.webhook_id for d in pending] == [failed_id]
    assert pending[0].next_attempt_at is not None
    assert await flush(runtime, pending[0].next_attempt_at) == 1
    assert receiver.requests[-1].headers["webhook-id"] == failed_id
    assert {d.status for d in await deliveries(session)} == {SUCCEEDED}


async def test_an_endpoint_another_sender_holds_is_left_alone_until_the_lease_ends(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    hook = await subscribe(client, tenant, receiver.url, ["team.*"])
    await new_team(client, tenant, "T1")
    await dispatch(runtime)
    now = utcnow()
    held_until = now + timedelta(minutes=2)
    # As a sender in another process that claimed the endpoint would have left it.
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == hook["id"])
        .values(claimed_until=held_until)
    )
    await session.commit()
    assert await flush(runtime, now) == 0
    assert await flush(runtime, held_until - timedelta(seconds=1)) == 0
    assert receiver.requests == []
    [delivery] = await deliveries(session)
    assert (delivery.status, delivery.attempts) == (PENDING, 0)

    assert await flush(runtime, held_until) == 1
    assert len(receiver.requests) == 1
    [delivery] = await deliveries(session)
    assert delivery.status is SUCCEEDED
    # Served and let go.
    endpoint = await session.get(WebhookEndpoint, hook["id"], populate_existing=True)
    assert endpoint is not None
    assert endpoint.claimed_until is None


async def test_two_senders_over_one_database_send_each_message_once(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    """On PostgreSQL the claims skip what the other holds (SKIP LOCKED); on SQLite they
    wait for the write lock. Either way no endpoint is served by both at once."""
    # Four endpoints on one receiver, two of them unordered; 50 changes: 200 deliveries.
    for path, ordered in (("/a", True), ("/b", True), ("/c", False), ("/d", False)):
        await subscribe(client, tenant, receiver.url + path, ["schedule.*"], ordered=ordered)
    morning = tenant.shift_types[0].id
    items = [
        {
            "analyst_id": analyst.id,
            "shift_type_id": morning,
            "date": str(date(2030, 3, 4) + timedelta(days=day)),
        }
        for analyst in tenant.analysts
        for day in range(17)
    ][:50]
    bulk = await client.post("/api/schedules/bulk", json={"items": items}, headers=tenant.manager)
    assert bulk.status_code == 200, bulk.text
    await dispatch(runtime)
    assert len(await deliveries(session)) == 200

    # Two endpoints a claim each, so that both senders have work and contend for it.
    made = [0, 0]
    async with (
        sender_with(runtime, webhook_concurrency=2) as one,
        sender_with(runtime, webhook_concurrency=2) as two,
    ):
        for _ in range(50):
            rounds = await asyncio.gather(one.run_once(), two.run_once())
            made = [total + more for total, more in zip(made, rounds, strict=True)]
            if not any(d.status is PENDING for d in await deliveries(session)):
                break
    unsent = [
        (d.endpoint_id, d.status, d.attempts, d.last_error)
        for d in await deliveries(session)
        if d.status is not SUCCEEDED
    ]
    assert sum(made) == 200, (made, unsent[:5])
    assert min(made) > 0, made

    received = Counter((r.path, r.headers["webhook-id"]) for r in receiver.requests)
    assert len(received) == 200
    assert set(received.values()) == {1}, [key for key, n in received.items() if n > 1]
    assert {(d.status, d.attempts) for d in await deliveries(session)} == {(SUCCEEDED, 1)}
    # The ordered endpoints got theirs in order of creation.
    for path in ("/a", "/b"):
        ids = [int(body["data"]["id"]) for body in bodies(receiver.requests, path)]
        assert len(ids) == 50
        assert ids == sorted(ids)


async def test_a_batch_stops_sending_at_half_its_lease_and_leaves_the_rest_due(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, session: AsyncSession
) -> None:
    """A slow receiver must not keep a batch going past its lease (another sender would
    take the endpoint and send what is in flight again): sends stop at half the lease,
    the rest stay due for the next round, and nothing arrives twice."""
    slow = ThreadedHttpReceiver(delay=0.3)
    slow.start()
    try:
        await subscribe(client, tenant, slow.url + "/slow", ["team.created"], ordered=False)
        for n in range(6):
            await new_team(client, tenant, f"SLOW{n}")
        await dispatch(runtime)
        sender = WebhookSender(
            runtime.settings.model_copy(update={"webhook_concurrency": 1}),
            runtime.session_factory,
            lease_time=timedelta(seconds=1),
        )
        try:
            first_round = await sender.run_once()
            rounds = [first_round]
            while len(rounds) < 10 and (made := await sender.run_once()):
                rounds.append(made)
        finally:
            await sender.close()
        ids = [arrival.headers["webhook-id"] for arrival in slow.arrivals]
    finally:
        slow.close()
    assert 1 <= first_round < 6, rounds
    assert sum(rounds) == 6
    assert len(ids) == len(set(ids)) == 6
