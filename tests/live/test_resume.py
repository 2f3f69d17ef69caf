"""Reconnecting: a stream that comes back with the last id it had is sent what it missed,
each event once, then the live ones; when that is more than a replay gives (too many, or
too old) it is told to reload; a stream that falls behind is cut off and resumes the same
way, losing nothing."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.events import outbox
from shiftplanner.kit.time import utcnow
from shiftplanner.models import OutboxEvent
from tests.factories import Tenant
from tests.live.support import Message, Served, listening, of_type


async def rename(http: httpx.AsyncClient, tenant: Tenant, name: str) -> None:
    renamed = await http.patch(
        f"/api/teams/{tenant.team.id}", json={"name": name}, headers=tenant.admin
    )
    assert renamed.status_code == 200, renamed.text


def names(messages: list[Message]) -> list[str]:
    return [m.data["data"]["name"] for m in messages if m.event == "team.updated"]


async def test_a_stream_that_comes_back_gets_what_it_missed_once_then_the_rest(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, session: AsyncSession
) -> None:
    async with listening(http, tenant.manager) as first:
        for name in ("One", "Two"):
            await rename(http, tenant, name)
        before = await first.until(of_type("team.updated", name="Two"))
    last_id = before[-1].id
    assert last_id is not None
    # Missed while away: two renames, and a user (which a manager may not read).
    for name in ("Three", "Four"):
        await rename(http, tenant, name)
    created = await http.post(
        "/api/users",
        json={"email": "away@example.com", "role": "viewer", "password": "x" * 16},
        headers=tenant.admin,
    )
    assert created.status_code == 201, created.text
    await server.caught_up(session)
    async with listening(http, tenant.manager, last_event_id=last_id) as second:
        assert names(second.replayed) == ["Three", "Four"]
        await rename(http, tenant, "Five")
        live = await second.until(of_type("team.updated", name="Five"))
    assert names(live) == ["Five"]
    ids = [int(m.id or 0) for m in [*before, *second.replayed, *live]]
    assert ids == sorted(set(ids)), "every event once, in order"


async def test_after_in_the_query_does_what_last_event_id_does(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, session: AsyncSession
) -> None:
    async with listening(http, tenant.viewer) as first:
        position = first.received[-1].id
    assert position is not None
    await rename(http, tenant, "Missed")
    await server.caught_up(session)
    async with listening(http, tenant.viewer, params={"after": position}) as second:
        assert names(second.replayed) == ["Missed"]
    # The header wins over the query (a browser's EventSource resends the first URL).
    async with listening(
        http, tenant.viewer, params={"after": "0"}, last_event_id=second.last_id
    ) as third:
        assert third.replayed == []


async def test_missing_more_than_a_replay_gives_says_reload(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, session: AsyncSession
) -> None:
    server.hub.replay_limit = 2
    async with listening(http, tenant.manager) as first:
        position = first.received[-1].id
    for name in ("One", "Two", "Three"):
        await rename(http, tenant, name)
    newest = await server.caught_up(session)
    async with listening(http, tenant.manager, last_event_id=position) as second:
        [resync] = second.replayed
        assert (resync.event, resync.data["type"]) == ("resync", "resync")
        assert resync.data["data"] == {"reason": "missed"}
        # Its id is where the stream stands: past everything it told the page to reload.
        assert int(resync.id or 0) >= newest
        await rename(http, tenant, "Live")
        live = await second.until(of_type("team.updated", name="Live"))
    assert names(live) == ["Live"]
    # Two missed fit in the replay.
    async with listening(http, tenant.manager, last_event_id=resync.id) as third:
        position = third.received[-1].id
    await rename(http, tenant, "Six")
    await rename(http, tenant, "Seven")
    await server.caught_up(session)
    async with listening(http, tenant.manager, last_event_id=position) as fourth:
        assert names(fourth.replayed) == ["Six", "Seven"]


async def test_events_older_than_the_replay_window_say_reload(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, session: AsyncSession
) -> None:
    async with listening(http, tenant.manager) as first:
        position = first.received[-1].id
    assert position is not None
    await rename(http, tenant, "Long ago")
    await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id > int(position))
        .values(occurred_at=utcnow() - timedelta(hours=2))
    )
    await session.commit()
    await server.caught_up(session)
    async with listening(http, tenant.manager, last_event_id=position) as second:
        assert [(m.event, m.data.get("data")) for m in second.replayed] == [
            ("resync", {"reason": "missed"})
        ]


async def test_a_position_the_purge_deleted_says_reload(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, session: AsyncSession
) -> None:
    """The events after it may have gone with it: what is kept cannot be the whole story."""
    async with listening(http, tenant.manager) as first:
        await rename(http, tenant, "Seen")
        [seen] = await first.until(of_type("team.updated", name="Seen"))
    assert seen.id is not None
    await rename(http, tenant, "Purged")
    await rename(http, tenant, "Kept")
    await server.caught_up(session)
    kept = int(await session.scalar(select(func.max(OutboxEvent.id))) or 0)
    long_ago = utcnow() - timedelta(days=40)
    await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id < kept)
        .values(occurred_at=long_ago, dispatched_at=long_ago)
    )
    await session.commit()
    assert await outbox.purge(async_sessionmaker(session.bind), retention_days=30) > 0
    async with listening(http, tenant.manager, last_event_id=seen.id) as second:
        assert [(m.event, m.data.get("data")) for m in second.replayed] == [
            ("resync", {"reason": "missed"})
        ]


async def test_a_stream_that_falls_behind_is_ended_and_resumes_losing_nothing(
    http: httpx.AsyncClient, server: Served, tenant: Tenant
) -> None:
    server.hub.queue_size = 3
    analyst, shift_type = tenant.analysts[1], tenant.shift_types[0]
    days = [date(2030, 3, 4) + timedelta(days=n) for n in range(5)]
    async with listening(http, tenant.manager) as first:
        position = first.received[-1].id
        bulk = await http.post(
            "/api/schedules/bulk",
            json={
                "items": [
                    {
                        "analyst_id": analyst.id,
                        "shift_type_id": shift_type.id,
                        "date": d.isoformat(),
                    }
                    for d in days
                ]
            },
            headers=tenant.admin,
        )
        assert bulk.status_code in (200, 201), bulk.text
        # Five events at once for a queue of three: the server ends the stream.
        cut_off = await first.end()
    assert [m for m in cut_off if m.event == "schedule.created"] == []
    resume_from = first.last_id or position
    server.hub.queue_size = 100
    async with listening(http, tenant.manager, last_event_id=resume_from) as second:
        await rename(http, tenant, "After")
        live = await second.until(of_type("team.updated", name="After"))
    created = [m for m in [*cut_off, *second.replayed, *live] if m.event == "schedule.created"]
    assert sorted(m.data["data"]["date"] for m in created) == [d.isoformat() for d in days]
    ids = [m.id for m in created]
    assert len(ids) == len(set(ids)) == 5


async def test_an_id_from_beyond_this_database_says_reload_and_goes_on(
    http: httpx.AsyncClient, server: Served, tenant: Tenant
) -> None:
    """A page that kept a position across a restore of the database from a backup."""
    async with listening(http, tenant.viewer, last_event_id="9000000000") as stream:
        [resync] = stream.replayed
        assert (resync.event, resync.data["data"]) == ("resync", {"reason": "missed"})
        await rename(http, tenant, "Still live")
        [live] = await stream.until(of_type("team.updated", name="Still live"))
    assert int(live.id or 0) < 9000000000
