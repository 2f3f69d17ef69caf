"""The live hub of one process: it tails the outbox (every organization's events, by id)
and hands each event to the open streams of its organization, each through a bounded
queue of its own.

- Woken by this process's commits that wrote events (as the dispatcher is), and polling
  every `live_poll_interval_seconds` for events other processes committed (replicas,
  solver processes).
- Events go out in id order. SQLite commits one writer at a time, so ids become visible
  in order; PostgreSQL hands ids out at insert, so a transaction still open can hold an
  id below one already committed. An id missing below committed ones is waited for
  (`GAP_GRACE_SECONDS`; a rolled-back insert leaves one for good) before the hub goes on
  without it, and then watched a while longer: if it does show up, its organization's
  streams are told to reload (`resync`), since their position is already past it.
- A stream whose queue is full (a client that does not read) is ended: it reconnects
  with the last id it got and is sent the rest from the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from collections.abc import Sequence

from fastapi.sse import ServerSentEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.config import Settings
from shiftplanner.errors import ServiceUnavailable, TooManyRequests
from shiftplanner.live.access import Reader
from shiftplanner.live.messages import LiveEvent, message_for
from shiftplanner.live.repository import LiveRepository
from shiftplanner.logging import get_logger
from shiftplanner.models import OutboxEvent

log = get_logger(__name__)

# Events one round reads.
BATCH_SIZE = 500
# Messages a stream may have waiting before it is ended.
QUEUE_SIZE = 500
# How long a missing id is waited for, and then watched for a late commit.
GAP_GRACE_SECONDS = 2.0
LATE_WATCH_SECONDS = 60.0
MAX_WATCHED_GAPS = 100
# A stream's keep-alive (with its position) when nothing else was sent ...
PING_SECONDS = 15.0
# ... and how often it checks that its user is still signed in with the same rights.
RECHECK_SECONDS = 30.0
# Ended: the client did not keep up, or the server is stopping.
OVERFLOW = "overflow"
SHUTDOWN = "shutdown"


class Subscription:
    """One open stream: the messages its reader may receive, waiting to be sent."""

    def __init__(self, reader: Reader, start: int, capacity: int) -> None:
        self.reader = reader
        # The hub's position when the stream opened: a replay goes up to here, and the
        # hub hands over every event after it.
        self.start = start
        self._capacity = capacity
        self._pending: deque[tuple[int, ServerSentEvent]] = deque()
        self._ready = asyncio.Event()
        self._resync = False
        # Why the hub ended the stream (OVERFLOW, SHUTDOWN), or None.
        self.ended: str | None = None

    @property
    def idle(self) -> bool:
        """Nothing waiting to be sent."""
        return not self._pending and not self._resync

    def offer(self, event: LiveEvent) -> None:
        if self.ended is not None:
            return
        message = message_for(self.reader, event)
        if message is None:
            return
        if len(self._pending) >= self._capacity:
            self.end(OVERFLOW)
            return
        self._pending.append((event.id, message))
        self._ready.set()

    def offer_late(self, event: LiveEvent) -> None:
        if self.ended is None and message_for(self.reader, event) is not None:
            self._resync = True
            self._ready.set()

    def end(self, reason: str) -> None:
        self.ended = reason
        self._pending.clear()
        self._ready.set()

    async def wait(self, seconds: float) -> tuple[list[tuple[int, ServerSentEvent]], bool]:
        """The waiting messages (with their event ids), and whether the stream must tell
        its page to reload; after at most `seconds`, nothing."""
        if self.idle and self.ended is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(seconds, 0.0)):
                    await self._ready.wait()
        self._ready.clear()
        messages, resync = list(self._pending), self._resync
        self._pending.clear()
        self._resync = False
        return messages, resync


class LiveHub:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        poll_interval: float,
        max_connections: int,
        max_connections_per_user: int,
        replay_limit: int,
    ) -> None:
        self._session_factory = session_factory
        self._poll_interval = poll_interval
        self.max_connections = max_connections
        self.max_connections_per_user = max_connections_per_user
        self.replay_limit = replay_limit
        # Tunable on a running hub (the tests make them short).
        self.queue_size = QUEUE_SIZE
        self.gap_grace = GAP_GRACE_SECONDS
        self.ping_seconds = PING_SECONDS
        self.recheck_seconds = RECHECK_SECONDS
        # Every event up to here was handed to the streams (or given up on, see above).
        self.cursor: int | None = None
        self._streams: dict[int, set[Subscription]] = {}
        self._per_user: Counter[int] = Counter()
        self._count = 0
        # The first id of each gap after the cursor, and when it was first seen.
        self._gaps: dict[int, float] = {}
        # Gaps gone past, watched for a late commit until a time: (first, last, until).
        self._watched: deque[tuple[int, int, float]] = deque(maxlen=MAX_WATCHED_GAPS)
        self._reported: set[int] = set()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @classmethod
    def of(cls, settings: Settings, session_factory: async_sessionmaker[AsyncSession]) -> LiveHub:
        return cls(
            session_factory,
            poll_interval=settings.live_poll_interval_seconds,
            max_connections=settings.live_max_connections,
            max_connections_per_user=settings.live_max_connections_per_user,
            replay_limit=settings.live_replay_limit,
        )

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done() and self.cursor is not None

    @property
    def connections(self) -> int:
        return self._count

    async def start(self) -> None:
        """Take the outbox's newest id as the position (streams replay anything older
        from the outbox) and start tailing."""
        if self._task is not None:
            return
        try:
            await self._begin()
        except Exception:
            log.exception("live_hub_start_failed")  # the loop tries again
        self._task = asyncio.create_task(self._run(), name="live-hub")

    def wake(self) -> None:
        """Look for events soon: called after a commit that wrote some."""
        self._wakeup.set()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.end_streams()

    def end_streams(self) -> None:
        """End every stream and open no more: the server is stopping."""
        self._stopping = True
        for streams in self._streams.values():
            for subscription in streams:
                subscription.end(SHUTDOWN)

    def subscribe(self, reader: Reader) -> Subscription:
        """A new stream for `reader`, or a refusal: the hub is not running (503), this
        process holds all the streams it may (503), or the user has all theirs (429)."""
        if self._stopping:
            raise ServiceUnavailable("This server is stopping; connect again.")
        if not self.running or self.cursor is None:
            raise ServiceUnavailable("Live updates are not running on this server.")
        if self._count >= self.max_connections:
            raise ServiceUnavailable(
                f"This server holds as many live streams as it may ({self.max_connections}); "
                "retry in a moment.",
                headers={"Retry-After": "10"},
            )
        if self._per_user[reader.user_id] >= self.max_connections_per_user:
            raise TooManyRequests(
                f"You have {self.max_connections_per_user} live streams open already (one "
                "per browser tab); close one to open another.",
                headers={"Retry-After": "10"},
            )
        subscription = Subscription(reader, self.cursor, self.queue_size)
        self._streams.setdefault(reader.org_id, set()).add(subscription)
        self._per_user[reader.user_id] += 1
        self._count += 1
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        streams = self._streams.get(subscription.reader.org_id)
        if streams is None or subscription not in streams:
            return
        streams.discard(subscription)
        if not streams:
            del self._streams[subscription.reader.org_id]
        user_id = subscription.reader.user_id
        self._per_user[user_id] -= 1
        if self._per_user[user_id] <= 0:
            del self._per_user[user_id]
        self._count -= 1

    async def _begin(self) -> None:
        async with self._session_factory() as session:
            self.cursor = await LiveRepository(session).newest_id()

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            more = False
            try:
                if self.cursor is None:
                    await self._begin()
                else:
                    more = await self.tail()
            except Exception:
                log.exception("live_hub_round_failed")
            if more:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._wait_seconds())

    def _wait_seconds(self) -> float:
        if not self._gaps:
            return self._poll_interval
        waited = time.monotonic() - min(self._gaps.values())
        return max(min(self._poll_interval, self.gap_grace - waited), 0.01)

    async def tail(self) -> bool:
        """One round: hand the events after the cursor to their streams, in id order;
        True when a whole batch went (more may be waiting)."""
        assert self.cursor is not None
        async with self._session_factory() as session:
            repository = LiveRepository(session)
            rows = await repository.after(self.cursor, BATCH_SIZE)
            late = await repository.among([(first, last) for first, last, _ in self._watched])
        now = time.monotonic()
        self._report_late(late, now)
        handed = self._hand_over(rows, now)
        return handed == BATCH_SIZE

    def _hand_over(self, rows: Sequence[OutboxEvent], now: float) -> int:
        assert self.cursor is not None
        handed = 0
        for row in rows:
            expected = self.cursor + 1
            if row.id > expected:
                seen = self._gaps.setdefault(expected, now)
                if now - seen < self.gap_grace:
                    break
                self._watched.append((expected, row.id - 1, now + LATE_WATCH_SECONDS))
            self._offer(row)
            self.cursor = row.id
            handed += 1
        cursor = self.cursor
        self._gaps = {first: seen for first, seen in self._gaps.items() if first > cursor}
        return handed

    def _offer(self, row: OutboxEvent) -> None:
        if row.org_id is None or row.org_id not in self._streams:
            return
        event = LiveEvent.of(row)
        if event is None:
            return
        for subscription in self._streams[row.org_id]:
            subscription.offer(event)

    def _report_late(self, rows: Sequence[OutboxEvent], now: float) -> None:
        for row in rows:
            if row.id in self._reported:
                continue
            self._reported.add(row.id)
            log.info("live_event_committed_late", event_id=row.id, cursor=self.cursor)
            streams = self._streams.get(row.org_id) if row.org_id is not None else None
            event = LiveEvent.of(row) if streams else None
            if streams and event is not None:
                for subscription in streams:
                    subscription.offer_late(event)
        while self._watched and self._watched[0][2] <= now:
            self._watched.popleft()
        self._reported = {
            event_id
            for event_id in self._reported
            if any(first <= event_id <= last for first, last, _ in self._watched)
        }
