"""One live stream from start to end: what the client missed (replayed from the outbox,
or a `resync` when that is too much), a `ping` with its position, then the hub's events
as they come, a `ping` whenever nothing else was sent for a while, until the client goes,
its access token expires, or its sign-in ends or changes (it reconnects with a new
token, and is sent what it may read then)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.sse import ServerSentEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.analysts import service as analyst_service
from shiftplanner.kit.time import utcnow
from shiftplanner.live.access import Reader
from shiftplanner.live.hub import LiveHub, Subscription
from shiftplanner.live.messages import LATE, MISSED, LiveEvent, message_for, ping, resync
from shiftplanner.live.repository import LiveRepository
from shiftplanner.logging import get_logger
from shiftplanner.security.actor import Actor
from shiftplanner.security.principals import PrincipalReader

log = get_logger(__name__)

# A reconnecting stream is sent what it missed in this last while at most.
REPLAY_WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Connection:
    subscription: Subscription
    # The last id the client had (`Last-Event-ID`, or `?after=`), if it says.
    after: int | None
    # The sign-in behind the access token, and when the token expires.
    family_id: str
    expires_at: datetime


async def own_analyst_id(session: AsyncSession, actor: Actor) -> int | None:
    """The analyst whose personal records the caller sees (None for managers, who see
    everyone's, and for users who sign in as no analyst)."""
    if actor.can_manage:
        return None
    analyst = await analyst_service.own_analyst(session, actor)
    return analyst.id if analyst is not None else None


async def replay(
    factory: async_sessionmaker[AsyncSession], reader: Reader, after: int, until: int, limit: int
) -> list[ServerSentEvent] | None:
    """The messages of the reader's organization's events with `after` < id <= `until`
    that the reader may see; None when a replay cannot give them all (more than `limit`
    events, some older than the replay window, or `after` itself purged: what came
    after it may have gone with it)."""
    if after >= until:
        return []
    since = utcnow() - REPLAY_WINDOW
    async with factory() as session:
        repository = LiveRepository(session)
        # Every position a stream hands out is an event's id (or 0, an empty outbox).
        if after > 0 and not await repository.exists(after):
            return None
        if await repository.org_has_older(reader.org_id, after, until, since):
            return None
        rows = await repository.of_org_between(reader.org_id, after, until, since, limit + 1)
    if len(rows) > limit:
        return None
    messages = []
    for row in rows:
        event = LiveEvent.of(row)
        message = message_for(reader, event) if event is not None else None
        if message is not None:
            messages.append(message)
    return messages


async def newest_id(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as session:
        return await LiveRepository(session).newest_id()


async def still_the_same(
    factory: async_sessionmaker[AsyncSession],
    principals: PrincipalReader,
    reader: Reader,
    family_id: str,
) -> bool:
    """Whether the stream's sign-in still stands with the same role (and, for someone
    who sees only their own records, the same analyst)."""
    principal = await principals.read(family_id, reader.user_id)
    if (
        principal is None
        or not principal.is_active
        or principal.org_id != reader.org_id
        or principal.role is not reader.role
    ):
        return False
    if reader.can_manage:
        return True
    async with factory() as session:
        actor = Actor(org_id=reader.org_id, role=reader.role, user_id=reader.user_id)
        return await own_analyst_id(session, actor) == reader.analyst_id


async def stream(
    connection: Connection,
    *,
    hub: LiveHub,
    factory: async_sessionmaker[AsyncSession],
    principals: PrincipalReader,
) -> AsyncIterator[ServerSentEvent]:
    subscription = connection.subscription
    reader = subscription.reader
    position = subscription.start
    if connection.after is not None and connection.after < subscription.start:
        replayed = await replay(factory, reader, connection.after, position, hub.replay_limit)
        if replayed is None:
            yield resync(position, MISSED)
        else:
            for message in replayed:
                yield message
    elif connection.after is not None:
        if connection.after > await newest_id(factory):
            # No id this database handed out (restored from a backup, say): start afresh.
            yield resync(position, MISSED)
        else:
            # Ahead of this process (another replica's position): nothing twice.
            position = connection.after
    yield ping(position)
    checked = time.monotonic()
    while True:
        now = time.monotonic()
        expires_in = (connection.expires_at - utcnow()).total_seconds()
        timeout = min(hub.ping_seconds, checked + hub.recheck_seconds - now, expires_in)
        messages, must_resync = await subscription.wait(timeout)
        if subscription.ended is not None:
            log.info("live_stream_ended", reason=subscription.ended, user_id=reader.user_id)
            return
        sent = False
        for event_id, message in messages:
            if event_id > position:
                position = event_id
                sent = True
                yield message
        if must_resync:
            sent = True
            yield resync(position, LATE)
        if utcnow() >= connection.expires_at:
            return  # the client reconnects with a fresh token
        if time.monotonic() - checked >= hub.recheck_seconds:
            if not await still_the_same(factory, principals, reader, connection.family_id):
                return
            checked = time.monotonic()
        if not sent and subscription.idle:
            position = max(position, hub.cursor or 0)
            yield ping(position)
