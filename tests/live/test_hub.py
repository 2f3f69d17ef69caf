"""Order on PostgreSQL, where an id is handed out at insert and a transaction still open
can hold an id below one already committed: the hub waits for the missing id, sends
both in id order once it commits, goes on without an id that never comes (a rollback),
and tells the streams to reload when one commits after it stopped waiting."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.events import DomainEvent, EventType, emit
from shiftplanner.events.resources import public
from shiftplanner.models import OutboxEvent
from shiftplanner.runtime import Runtime
from shiftplanner.teams.schemas import Team
from tests.factories import Tenant
from tests.live.support import EventStream, Served, listening, of_type


@pytest.fixture(params=["postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only: SQLite commits one writer at a time, its ids become visible in
    order."""
    name: str = request.param
    return name


async def held_event(session: AsyncSession, tenant: Tenant) -> int:
    """A team.updated event written in `session`'s open transaction; its id."""
    emit(
        session,
        DomainEvent(
            type=EventType.TEAM_UPDATED,
            org_id=tenant.org.id,
            resource_type="team",
            resource_id=tenant.team.id,
            data=public(Team, tenant.team),
        ),
    )
    await session.flush()
    held = await session.scalar(select(func.max(OutboxEvent.id)))
    assert held is not None
    return int(held)


async def rename(http: httpx.AsyncClient, tenant: Tenant, name: str) -> None:
    renamed = await http.patch(
        f"/api/teams/{tenant.team.id}", json={"name": name}, headers=tenant.admin
    )
    assert renamed.status_code == 200, renamed.text


async def nothing_within(stream: EventStream, seconds: float) -> None:
    """No change arrives for `seconds` (pings may)."""
    with pytest.raises(TimeoutError):
        await stream.until(lambda message: message.event != "ping", within=seconds)


async def test_an_event_committed_after_a_later_one_still_comes_first(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, runtime: Runtime
) -> None:
    server.hub.gap_grace = 30
    async with listening(http, tenant.admin) as stream, runtime.session_factory() as open_one:
        held = await held_event(open_one, tenant)
        # From just below it: an id an earlier test's rolled-back insert took (sequences
        # do not give ids back) would otherwise be a second gap, waited for as long.
        server.hub.cursor = held - 1
        await rename(http, tenant, "Later")
        await nothing_within(stream, 0.5)
        await open_one.commit()
        received = await stream.until(of_type("team.updated", name="Later"))
    assert [m.event for m in received] == ["team.updated", "team.updated"]
    first, second = (int(m.id or 0) for m in received)
    assert first == held < second


async def test_an_id_that_never_commits_is_given_up_after_a_grace(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, runtime: Runtime
) -> None:
    server.hub.gap_grace = 0.5
    async with listening(http, tenant.admin) as stream:
        async with runtime.session_factory() as rolled_back:
            await held_event(rolled_back, tenant)
            await rolled_back.rollback()
        await rename(http, tenant, "After the gap")
        [received] = await stream.until(of_type("team.updated", name="After the gap"), within=5)
    assert received.data["data"]["name"] == "After the gap"


async def test_an_event_committed_after_the_grace_tells_the_page_to_reload(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, runtime: Runtime
) -> None:
    server.hub.gap_grace = 0.3
    async with listening(http, tenant.admin) as stream, runtime.session_factory() as slow:
        await held_event(slow, tenant)
        await rename(http, tenant, "Meanwhile")
        [meanwhile] = await stream.until(of_type("team.updated", name="Meanwhile"), within=5)
        await slow.commit()
        [resync] = await stream.until(lambda message: message.event == "resync", within=5)
    assert resync.data["data"] == {"reason": "late"}
    # The late event itself is not sent (the stream is past its id): its position stays.
    assert resync.id == meanwhile.id
