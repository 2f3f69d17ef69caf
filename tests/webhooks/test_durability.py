"""Reliability with real processes: `shiftplanner serve` sends webhooks to a receiver in
this process that verifies every signature with the `standardwebhooks` package. A sender
killed with SIGKILL in the middle of a burst loses nothing (what it sent without
recording goes out again with the same `webhook-id` and body), and two sender processes
on one PostgreSQL database never send one delivery twice."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from shiftplanner.events import EventType
from shiftplanner.kit.time import utcnow
from shiftplanner.models import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookMessage,
)
from shiftplanner.runtime import Runtime
from tests.factories import Tenant
from tests.receivers import Arrival, ThreadedHttpReceiver
from tests.subprocesses import FAST_HASHING, command_env, serving_async
from tests.webhooks.support import (
    by_path,
    dispatch,
    first_arrivals,
    overlapping,
    rename_team,
    subscribe,
    webhook_ids,
)

BURST = 1000
# Distinct messages at the unordered endpoint after which the sender is killed.
KILL_AFTER = 250
DRAIN_SECONDS = 60.0
# Each request is held this long, so that the burst is still flowing at the kill.
RECEIVER_DELAY = 0.003


@pytest.fixture
def receiver() -> Iterator[ThreadedHttpReceiver]:
    # In threads of its own: it answers while the test waits, and outlives the senders.
    http = ThreadedHttpReceiver(delay=RECEIVER_DELAY)
    http.start()
    yield http
    http.close()


@dataclass(frozen=True)
class Hook:
    id: int
    path: str
    secret: str


async def hook(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: ThreadedHttpReceiver,
    path: str,
    *,
    ordered: bool,
) -> Hook:
    """An endpoint at `receiver.url/path` for every `team.updated` event."""
    created = await subscribe(
        client, tenant, f"{receiver.url}/{path}", [EventType.TEAM_UPDATED.value], ordered=ordered
    )
    return Hook(id=created["id"], path=path, secret=created["secret"])


def verifying(receiver: ThreadedHttpReceiver, hooks: list[Hook]) -> None:
    """The receiver verifies each request with the secret of the endpoint it came to."""
    verifiers = {f"/{each.path}": Webhook(each.secret) for each in hooks}

    def verify(path: str, body: bytes, headers: dict[str, str]) -> object:
        return verifiers[path].verify(body, headers)

    receiver.verify = verify


def served_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """`shiftplanner serve` on the test's (migrated) database: development, so it may send
    to loopback; the outbox dispatcher and the webhook sender on, as by default. Warnings
    only: its log fills a pipe read when it ends."""
    return command_env(
        database_url,
        data_dir,
        **FAST_HASHING,
        SHIFTPLANNER_LOG_LEVEL="warning",
        # The events are written by the test process: the served one finds them by polling.
        SHIFTPLANNER_OUTBOX_POLL_INTERVAL_SECONDS="0.2",
        SHIFTPLANNER_WEBHOOK_POLL_INTERVAL_SECONDS="0.2",
        **extra,
    )


def name_of(arrival: Arrival) -> str:
    name: str = json.loads(arrival.body)["data"]["name"]
    return name


async def delivery_counts(session: AsyncSession, org_id: int) -> dict[WebhookDeliveryStatus, int]:
    await session.rollback()  # a new snapshot: the served processes commit meanwhile
    rows = await session.execute(
        select(WebhookDelivery.status, func.count())
        .where(WebhookDelivery.org_id == org_id)
        .group_by(WebhookDelivery.status)
    )
    return {status: int(count) for status, count in rows}


async def queue_order(session: AsyncSession, endpoint_id: int) -> dict[str, int]:
    """The endpoint's deliveries by `webhook-id`: their ids, the order they are queued in."""
    rows = await session.execute(
        select(WebhookDelivery.message_id, WebhookDelivery.id).where(
            WebhookDelivery.endpoint_id == endpoint_id
        )
    )
    return {f"msg_{message_id}": delivery_id for message_id, delivery_id in rows}


async def wait_until_drained(
    session: AsyncSession,
    receiver: ThreadedHttpReceiver,
    org_id: int,
    *,
    paths: list[str],
    events: int,
    seconds: float,
) -> float:
    """Until each endpoint received `events` distinct messages and every delivery is
    recorded as succeeded (bounded); returns how long that took."""
    started = time.monotonic()
    while True:
        received = by_path(receiver.arrivals)
        counts = await delivery_counts(session, org_id)
        if all(len(webhook_ids(received[path])) >= events for path in paths) and counts.get(
            WebhookDeliveryStatus.SUCCEEDED, 0
        ) >= events * len(paths):
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, (
            f"not drained in {seconds} s: {counts}, "
            + ", ".join(f"{path}: {len(webhook_ids(received[path]))}" for path in paths)
        )
        await asyncio.sleep(0.1)


async def test_a_sender_killed_in_the_middle_of_a_burst_loses_nothing_and_resends_the_same_messages(
    database_url: str,
    tmp_path: Path,
    runtime: Runtime,
    client: httpx.AsyncClient,
    tenant: Tenant,
    session: AsyncSession,
    receiver: ThreadedHttpReceiver,
) -> None:
    org_id = tenant.org.id  # read before the session's rollbacks expire it
    hooks = [
        await hook(client, tenant, receiver, "unordered", ordered=False),
        await hook(client, tenant, receiver, "ordered", ordered=True),
    ]
    verifying(receiver, hooks)
    env = served_env(database_url, tmp_path)

    # Half the burst is queued for delivery already (dispatched by this process): the
    # sender starts with a backlog and sends at full speed; the served process's
    # dispatcher queues the other half meanwhile.
    await rename_team(session, tenant, range(BURST // 2), per_commit=250)
    await dispatch(runtime)
    await rename_team(session, tenant, range(BURST // 2, BURST), per_commit=250)
    async with serving_async(env) as first:
        deadline = time.monotonic() + DRAIN_SECONDS
        while len(webhook_ids(by_path(receiver.arrivals)["unordered"])) < KILL_AFTER:
            assert first.process.poll() is None, "the served process ended"
            assert time.monotonic() < deadline, "the burst did not flow"
            await asyncio.sleep(0.005)
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
    killed_at = utcnow()
    before_restart = {
        path: len(webhook_ids(got)) for path, got in by_path(receiver.arrivals).items()
    }
    # The kill landed in the middle of the burst.
    assert before_restart["unordered"] < BURST
    recorded = (await delivery_counts(session, org_id)).get(WebhookDeliveryStatus.SUCCEEDED, 0)
    assert recorded < 2 * BURST

    # The dead process's leases (an endpoint's lasts at least 60 s, the outbox's 60 s)
    # hold its work back until they end: end them now rather than wait that long.
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.claimed_until > killed_at)
        .values(claimed_until=killed_at)
    )
    await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.claimed_until > killed_at)
        .values(claimed_until=killed_at)
    )
    await session.commit()
    async with serving_async(env) as second:
        drained_in = await wait_until_drained(
            session,
            receiver,
            org_id,
            paths=["unordered", "ordered"],
            events=BURST,
            seconds=DRAIN_SECONDS,
        )
    assert "Traceback" not in second.stderr, second.stderr

    arrivals = receiver.arrivals
    assert [a.refusal for a in arrivals if not a.verified] == []
    carried = {
        f"msg_{message_id}": event_id
        for message_id, event_id in await session.execute(
            select(WebhookMessage.id, WebhookMessage.event_id).where(
                WebhookMessage.org_id == org_id
            )
        )
    }
    burst = set(
        await session.scalars(
            select(OutboxEvent.id).where(
                OutboxEvent.org_id == org_id, OutboxEvent.event_type == EventType.TEAM_UPDATED.value
            )
        )
    )
    assert len(burst) == BURST
    duplicates = {}
    for path, received in by_path(arrivals).items():
        bodies: dict[str, set[bytes]] = defaultdict(set)
        for arrival in received:
            bodies[arrival.headers["webhook-id"]].add(arrival.body)
        # A message sent again is byte for byte the same, under the same webhook-id ...
        assert [webhook_id for webhook_id, sent in bodies.items() if len(sent) > 1] == [], path
        # ... and every event of the burst arrived, as one message each.
        assert sorted(carried[webhook_id] or 0 for webhook_id in bodies) == sorted(burst), path
        assert sorted(map(name_of, first_arrivals(received))) == [
            f"Burst {n:04}" for n in range(BURST)
        ], path
        duplicates[path] = len(received) - len(bodies)
    # The ordered endpoint got the changes one at a time, in order, across the crash.
    ordered = by_path(arrivals)["ordered"]
    assert overlapping(ordered) == []
    firsts = first_arrivals(ordered)
    queued = await queue_order(session, hooks[1].id)
    assert [queued[a.headers["webhook-id"]] for a in firsts] == sorted(queued.values())
    assert [name_of(a) for a in firsts] == [f"Burst {n:04}" for n in range(BURST)]
    assert await delivery_counts(session, org_id) == {WebhookDeliveryStatus.SUCCEEDED: 2 * BURST}
    # The measurement (-s shows it).
    print(
        f"\n{database_url.split('+')[0]}: killed with {before_restart} of {BURST} received "
        f"and {recorded} of {2 * BURST} deliveries recorded; duplicates the kill caused: "
        f"{duplicates}; the other {2 * BURST - recorded} drained {drained_in:.1f} s after "
        "the restart"
    )


@pytest.mark.postgresql_only
@pytest.mark.parametrize("backend", ["postgresql"])
async def test_two_sender_processes_on_one_postgresql_send_each_delivery_once(
    database_url: str,
    tmp_path: Path,
    client: httpx.AsyncClient,
    tenant: Tenant,
    session: AsyncSession,
    receiver: ThreadedHttpReceiver,
) -> None:
    org_id = tenant.org.id
    hooks = [
        await hook(client, tenant, receiver, "first", ordered=False),
        await hook(client, tenant, receiver, "second", ordered=False),
        await hook(client, tenant, receiver, "ordered", ordered=True),
    ]
    verifying(receiver, hooks)
    events = 170
    pids: list[int] = []
    senders: set[int] = set()

    def note_sender(port: int) -> None:
        # Every attempt opens a connection: which process holds this one? (Asked until
        # both were seen: the lookup costs milliseconds.)
        if senders != set(pids):
            senders.update(pid for pid in pids if connected(pid, port, receiver.port))

    receiver.on_connect = note_sender
    # Two sends at once per process and three endpoints: neither process can hold every
    # endpoint; small outbox batches let both dispatchers queue deliveries.
    env = served_env(
        database_url,
        tmp_path,
        SHIFTPLANNER_WEBHOOK_CONCURRENCY="2",
        SHIFTPLANNER_OUTBOX_BATCH_SIZE="20",
    )
    async with serving_async(env) as one, serving_async(env) as two:
        pids.extend([one.process.pid, two.process.pid])
        started = time.monotonic()
        await rename_team(session, tenant, range(events), per_commit=events // 2)
        await wait_until_drained(
            session,
            receiver,
            org_id,
            paths=[each.path for each in hooks],
            events=events,
            seconds=30,
        )
        took = time.monotonic() - started
    for server in (one, two):
        assert "Traceback" not in server.stderr, server.stderr

    arrivals = receiver.arrivals
    assert [a.refusal for a in arrivals if not a.verified] == []
    # One message (one webhook-id) goes to each endpoint that subscribed: a delivery is
    # a message to an endpoint.
    deliveries: dict[tuple[str, str], list[Arrival]] = defaultdict(list)
    for arrival in arrivals:
        deliveries[arrival.path, arrival.headers["webhook-id"]].append(arrival)
    # Never one delivery twice at once, and in fact never twice.
    assert [pair for sent in deliveries.values() for pair in overlapping(sent)] == []
    assert {key: len(sent) for key, sent in deliveries.items() if len(sent) > 1} == {}
    assert len(deliveries) == len(arrivals) == 3 * events
    await session.rollback()
    assert set(
        await session.scalars(
            select(WebhookDelivery.attempts).where(WebhookDelivery.org_id == org_id)
        )
    ) == {1}
    assert (
        await session.scalar(
            select(func.count()).select_from(WebhookAttempt).where(WebhookAttempt.org_id == org_id)
        )
        == 3 * events
    )
    # The ordered endpoint's messages went one at a time, whichever process sent them.
    ordered = by_path(arrivals)["ordered"]
    assert overlapping(ordered) == []
    assert senders == set(pids), "one of the processes sent nothing"

    # Measured, not promised: with two dispatchers, deliveries are queued in the order
    # the events were handed over, which is not the order of the changes.
    queued = await queue_order(session, hooks[2].id)
    positions = [queued[arrival.headers["webhook-id"]] for arrival in ordered]
    names = [name_of(arrival) for arrival in ordered]
    print(
        f"\n{3 * events} deliveries by two processes in {took:.1f} s; at the ordered endpoint "
        f"{sum(a > b for a, b in itertools.pairwise(positions))} came before one queued earlier "
        f"and {sum(a > b for a, b in itertools.pairwise(names))} before an earlier change"
    )


def connected(pid: int, port: int, receiver_port: int) -> bool:
    """Whether process `pid` holds the connection from `port` to the receiver."""
    for connection in psutil.Process(pid).net_connections(kind="tcp"):
        local, remote = connection.laddr, connection.raddr
        if local and remote and local.port == port and remote.port == receiver_port:
            return True
    return False
