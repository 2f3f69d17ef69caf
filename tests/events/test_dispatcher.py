"""The outbox: events exist exactly for committed changes, reach every consumer in order,
survive a crash before dispatch, and a failing consumer neither loses its events nor
holds up the others."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import structlog
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.app import create_app
from shiftplanner.config import Settings
from shiftplanner.events import Consumer, DispatchedEvent, EventDispatcher
from shiftplanner.kit.time import utcnow
from shiftplanner.models import ConsumptionStatus, OutboxConsumption, OutboxEvent, Role
from shiftplanner.runtime import Runtime
from shiftplanner.security.actor import Actor
from shiftplanner.teams import schemas as team_schemas
from shiftplanner.teams import service as team_service
from tests.factories import Tenant


class Recorder:
    """A consumer that remembers what it saw and can be told to fail."""

    def __init__(self, fail_times: int = 0, fail_types: frozenset[str] = frozenset()) -> None:
        self.seen: list[DispatchedEvent] = []
        self.fail_times = fail_times
        self.fail_types = fail_types
        self.attempts = 0

    async def __call__(self, session: AsyncSession, event: DispatchedEvent) -> None:
        self.attempts += 1
        if event.type in self.fail_types or self.attempts <= self.fail_times:
            raise RuntimeError(f"consumer failure on {event.type}")
        self.seen.append(event)


async def events(runtime: Runtime) -> list[OutboxEvent]:
    async with runtime.session_factory() as session:
        return list((await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all())


async def consumption(runtime: Runtime, event_id: int, consumer: str) -> OutboxConsumption | None:
    async with runtime.session_factory() as session:
        return await session.get(OutboxConsumption, (event_id, consumer))


async def event_row(runtime: Runtime, event_id: int) -> OutboxEvent:
    async with runtime.session_factory() as session:
        row = await session.get(OutboxEvent, event_id)
        assert row is not None
        return row


async def create_teams(client: httpx.AsyncClient, tenant: Tenant, codes: list[str]) -> None:
    for code in codes:
        response = await client.post(
            "/api/teams", json={"name": code, "code": code, "timezone": "UTC"}, headers=tenant.admin
        )
        assert response.status_code == 201, response.text


async def test_a_committed_change_writes_one_event_with_its_data(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    before = len(await events(runtime))
    response = await client.patch(
        f"/api/teams/{tenant.team.id}", json={"name": "London HQ"}, headers=tenant.admin
    )
    assert response.status_code == 200
    written = (await events(runtime))[before:]
    assert [e.event_type for e in written] == ["team.updated"]
    event = written[0]
    assert event.org_id == tenant.org.id
    assert event.resource_id == tenant.team.id
    assert event.actor_user_id == tenant.users[Role.ADMIN].id
    assert event.payload["data"]["name"] == "London HQ"
    assert event.payload["changes"] == {"name": {"old": tenant.team.name, "new": "London HQ"}}


async def test_a_refused_change_emits_nothing(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    analyst, other, _ = tenant.analysts
    morning, _night = tenant.shift_types
    before = len(await events(runtime))
    # The second item double-books the first analyst: the whole bulk rolls back.
    response = await client.post(
        "/api/schedules/bulk",
        json={
            "items": [
                {"analyst_id": other.id, "shift_type_id": morning.id, "date": "2026-12-01"},
                {"analyst_id": analyst.id, "shift_type_id": morning.id, "date": "2026-12-02"},
                {"analyst_id": analyst.id, "shift_type_id": morning.id, "date": "2026-12-02"},
            ]
        },
        headers=tenant.manager,
    )
    assert response.status_code == 409
    assert len(await events(runtime)) == before


async def test_a_rolled_back_service_call_emits_nothing(runtime: Runtime, tenant: Tenant) -> None:
    before = len(await events(runtime))
    async with runtime.session_factory() as work:
        data = team_schemas.TeamCreate(name="Tokyo", code="TYO", timezone="Asia/Tokyo")
        await team_service.create_team(work, Actor.system(tenant.org.id), data)
        await work.rollback()
    assert len(await events(runtime)) == before


async def test_consumers_get_committed_events_in_order_once(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    recorder = Recorder()
    runtime.dispatcher.register(Consumer("recorder", recorder))
    await create_teams(client, tenant, ["AAA", "BBB", "CCC"])
    await runtime.dispatcher.dispatch_pending()
    await runtime.dispatcher.dispatch_pending()  # nothing is handed out twice
    team_events = [e for e in recorder.seen if e.type == "team.created"]
    assert [e.payload["data"]["code"] for e in team_events] == ["AAA", "BBB", "CCC"]
    ids = [e.id for e in recorder.seen]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))
    assert all(e.dispatched_at is not None for e in await events(runtime))


async def test_a_failing_consumer_is_retried_without_holding_up_the_others(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    await runtime.dispatcher.dispatch_pending()  # the fixture's own events
    flaky = Recorder(fail_types=frozenset({"team.created"}))
    steady = Recorder()
    runtime.dispatcher.register(Consumer("flaky", flaky))
    runtime.dispatcher.register(Consumer("steady", steady))
    await create_teams(client, tenant, ["AAA"])
    await client.patch(
        f"/api/teams/{tenant.team.id}", json={"name": "Renamed"}, headers=tenant.admin
    )

    await runtime.dispatcher.dispatch_pending()
    # The steady consumer got both; the flaky one got the later event despite failing the first.
    assert [e.type for e in steady.seen] == ["team.created", "team.updated"]
    assert [e.type for e in flaky.seen] == ["team.updated"]
    created = next(e for e in await events(runtime) if e.event_type == "team.created")
    assert created.dispatched_at is None
    state = await consumption(runtime, created.id, "flaky")
    assert state is not None
    assert state.status is ConsumptionStatus.FAILED
    assert state.attempts == 1
    assert "consumer failure" in state.last_error
    assert created.claimed_until is not None
    assert state.next_attempt_at is not None

    # Once the consumer recovers and its retry is due, only it runs again.
    flaky.fail_types = frozenset()
    await make_due(runtime, created.id)
    await runtime.dispatcher.dispatch_pending()
    assert [e.type for e in flaky.seen] == ["team.updated", "team.created"]
    assert [e.type for e in steady.seen] == ["team.created", "team.updated"]
    assert (await event_row(runtime, created.id)).dispatched_at is not None


class SessionWatcher:
    """A consumer that notes the transaction (session) each event came in."""

    def __init__(self) -> None:
        self.sessions: list[int] = []

    async def __call__(self, session: AsyncSession, event: DispatchedEvent) -> None:
        self.sessions.append(id(session))


async def test_a_batch_is_one_transaction_and_one_failure_in_it_fails_only_its_event(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    await runtime.dispatcher.dispatch_pending()  # the fixture's own events
    watcher = SessionWatcher()
    flaky = Recorder(fail_types=frozenset({"team.updated"}))
    runtime.dispatcher.register(Consumer("watcher", watcher))
    runtime.dispatcher.register(Consumer("flaky", flaky))
    await create_teams(client, tenant, ["AAA"])
    await client.patch(
        f"/api/teams/{tenant.team.id}", json={"name": "Renamed"}, headers=tenant.admin
    )
    await create_teams(client, tenant, ["CCC"])

    assert await runtime.dispatcher.dispatch_pending() == 3
    # Three events, one transaction for the consumer that took them all.
    assert len(watcher.sessions) == 3
    assert len(set(watcher.sessions)) == 1
    # The flaky one failed on the middle event: the others are done, that one is retried
    # (by the flaky consumer alone: the watcher is recorded as done with it).
    first, middle, last = await events(runtime)
    assert first.dispatched_at is not None
    assert last.dispatched_at is not None
    assert middle.dispatched_at is None
    state = await consumption(runtime, middle.id, "flaky")
    assert state is not None
    assert (state.status, state.attempts) == (ConsumptionStatus.FAILED, 1)
    watched = await consumption(runtime, middle.id, "watcher")
    assert watched is not None
    assert watched.status is ConsumptionStatus.DONE


async def make_due(runtime: Runtime, event_id: int) -> None:
    """Let time pass: the event's lease and its retries are due now."""
    past = utcnow() - timedelta(seconds=1)
    async with runtime.session_factory() as session:
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id == event_id).values(claimed_until=past)
        )
        await session.execute(
            update(OutboxConsumption)
            .where(OutboxConsumption.event_id == event_id)
            .values(next_attempt_at=past)
        )
        await session.commit()


async def test_a_consumer_that_keeps_failing_is_given_up_after_the_last_attempt(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    runtime = Runtime.build(settings.model_copy(update={"outbox_max_attempts": 2}))
    try:
        await runtime.dispatcher.dispatch_pending()
        broken = Recorder(fail_types=frozenset({"team.created"}))
        runtime.dispatcher.register(Consumer("broken", broken))
        await create_teams(client, tenant, ["AAA"])
        await runtime.dispatcher.dispatch_pending()
        created = next(e for e in await events(runtime) if e.event_type == "team.created")
        await make_due(runtime, created.id)
        await runtime.dispatcher.dispatch_pending()
        state = await consumption(runtime, created.id, "broken")
        assert state is not None
        assert state.status is ConsumptionStatus.DEAD
        assert state.attempts == 2
        assert (await event_row(runtime, created.id)).dispatched_at is not None
    finally:
        await runtime.close()


async def test_events_committed_before_a_crash_are_dispatched_after_restart(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    # The app ran with no dispatcher (as if it died right after committing).
    await create_teams(client, tenant, ["AAA", "BBB"])
    restarted = Runtime.build(settings)
    try:
        recorder = Recorder()
        restarted.dispatcher.register(Consumer("recorder", recorder))
        await restarted.dispatcher.dispatch_pending()
        assert [e.payload["data"]["code"] for e in recorder.seen if e.type == "team.created"] == [
            "AAA",
            "BBB",
        ]
    finally:
        await restarted.close()


async def test_an_event_held_by_a_dead_dispatcher_is_taken_over_when_its_lease_ends(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    runtime = Runtime.build(settings)
    try:
        await create_teams(client, tenant, ["AAA"])
        created = next(e for e in await events(runtime) if e.event_type == "team.created")
        # A dispatcher claimed it and died: nobody may take it until the lease ends.
        async with runtime.session_factory() as session:
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == created.id)
                .values(claimed_until=utcnow() + timedelta(minutes=5))
            )
            await session.commit()
        recorder = Recorder()
        runtime.dispatcher.register(Consumer("recorder", recorder))
        await runtime.dispatcher.dispatch_pending()
        assert created.id not in [e.id for e in recorder.seen]
        await make_due(runtime, created.id)
        await runtime.dispatcher.dispatch_pending()
        assert created.id in [e.id for e in recorder.seen]
    finally:
        await runtime.close()


async def test_two_dispatchers_never_hand_out_one_event_twice(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    await create_teams(client, tenant, [f"T{n}" for n in range(20)])
    recorder = Recorder()
    first, second = Runtime.build(settings), Runtime.build(settings)
    dispatchers: list[EventDispatcher] = [first.dispatcher, second.dispatcher]
    try:
        for dispatcher in dispatchers:
            dispatcher.register(Consumer("recorder", recorder))
        for _ in range(5):
            await asyncio.gather(*(d.dispatch_pending() for d in dispatchers))
        ids = [e.id for e in recorder.seen]
        assert len(ids) == len(set(ids))
        assert len([e for e in recorder.seen if e.type == "team.created"]) == 20
    finally:
        await first.close()
        await second.close()


async def test_the_running_dispatcher_delivers_soon_after_commit(
    settings: Settings, tenant: Tenant
) -> None:
    app: FastAPI = create_app(
        settings.model_copy(update={"dispatcher_enabled": True, "outbox_poll_interval_seconds": 30})
    )
    async with app.router.lifespan_context(app):
        recorder = Recorder()
        app.state.runtime.dispatcher.register(Consumer("recorder", recorder))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await create_teams(client, tenant, ["AAA"])
            # The poll interval is 30 s: only the commit's wake-up can deliver this quickly.
            for _ in range(100):
                if any(e.type == "team.created" for e in recorder.seen):
                    break
                await asyncio.sleep(0.02)
        assert any(e.type == "team.created" for e in recorder.seen)


async def test_consumers_log_under_the_id_of_the_request_that_made_the_change(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    logged: list[object] = []

    async def remember_request_id(session: AsyncSession, event: DispatchedEvent) -> None:
        logged.append(structlog.contextvars.get_contextvars().get("request_id"))

    runtime.dispatcher.register(Consumer("request-ids", remember_request_id))
    response = await client.post(
        "/api/teams",
        json={"name": "Traced", "code": "TRC", "timezone": "UTC"},
        headers={**tenant.admin, "X-Request-ID": "trace-team-42"},
    )
    assert response.status_code == 201, response.text
    await runtime.dispatcher.dispatch_pending()
    traced = [e for e in await events(runtime) if e.event_type == "team.created"]
    assert [e.request_id for e in traced] == ["trace-team-42"]
    assert logged[-1] == "trace-team-42"
    # A change made outside any request (a command, a job) carries none.
    async with runtime.session_factory() as work:
        data = team_schemas.TeamCreate(name="Tokyo", code="TYO", timezone="Asia/Tokyo")
        await team_service.create_team(work, Actor.system(tenant.org.id), data)
        await work.commit()
    assert [e.request_id for e in await events(runtime)][-1] is None
