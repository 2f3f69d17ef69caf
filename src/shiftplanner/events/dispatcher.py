"""The outbox dispatcher: hands committed events to the registered consumers, in event
order, at least once.

- Events are claimed with a lease (and `FOR UPDATE SKIP LOCKED` on PostgreSQL), so
  several processes can run dispatchers without handing one event out twice at once, and
  a dispatcher that dies mid-batch only delays its events until the lease runs out.
- Each consumer takes a claimed batch in one transaction of its own (a bulk write's
  hundreds of events cost a few commits, not three each). If it fails on one event, the
  batch is rolled back and handed over again one event a transaction, so only that event
  is retried with backoff, while the other consumers, and later events, go on; after the
  last attempt the consumer is marked dead for the event and logged.
- Consumers must be idempotent: a crash between a consumer's commit and the dispatcher's
  bookkeeping runs it again for that event.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.db import is_postgresql, session_scope
from shiftplanner.events.outbox import dispatched
from shiftplanner.events.types import DispatchedEvent
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.models import ConsumptionStatus, OutboxConsumption, OutboxEvent

log = get_logger(__name__)

ConsumerFunc = Callable[[AsyncSession, DispatchedEvent], Awaitable[None]]

MAX_BACKOFF = timedelta(hours=1)
ERROR_EXCERPT_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Consumer:
    name: str
    handle: ConsumerFunc
    timeout_seconds: float = 30.0


def retry_delay(attempts: int, *, base_seconds: float = 2.0) -> timedelta:
    """Exponential backoff with up to 10 % jitter, capped at an hour."""
    delay = min(base_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF.total_seconds())
    return timedelta(seconds=delay * (1 + random.random() / 10))  # noqa: S311 (jitter, not crypto)


class EventDispatcher:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        batch_size: int = 100,
        poll_interval: float = 1.0,
        lease_seconds: float = 60.0,
        max_attempts: int = 12,
    ) -> None:
        self._session_factory = session_factory
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._lease = timedelta(seconds=lease_seconds)
        self._max_attempts = max_attempts
        self._consumers: dict[str, Consumer] = {}
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # When the loop last finished a round (monotonic): the readiness check's lag.
        self.last_round_at: float | None = None

    @property
    def consumers(self) -> Sequence[Consumer]:
        return tuple(self._consumers.values())

    def register(self, consumer: Consumer) -> None:
        if consumer.name in self._consumers:
            raise ValueError(f"a consumer named {consumer.name!r} is already registered")
        self._consumers[consumer.name] = consumer

    def wake(self) -> None:
        """Dispatch soon: called after a commit that wrote events."""
        self._wakeup.set()

    def start(self) -> None:
        if self._task is None:
            self.last_round_at = time.monotonic()
            self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    def heartbeat_age(self) -> float | None:
        """Seconds since the loop last finished a round (one that failed does not count),
        or None if it is not running."""
        if self._task is None or self._task.done() or self.last_round_at is None:
            return None
        return time.monotonic() - self.last_round_at

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                handled = await self.dispatch_pending()
                self.last_round_at = time.monotonic()
            except Exception:
                log.exception("outbox_dispatch_failed")
                handled = 0
            if handled >= self._batch_size:
                continue  # more are waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)

    async def dispatch_pending(self) -> int:
        """Claim one batch of due events and hand each to the consumers that still owe
        it. Returns how many events were claimed."""
        events = await self._claim_batch()
        if not events:
            return 0
        states = await self._load_states([event.id for event in events])
        now = utcnow()
        outcomes: dict[int, dict[str, BaseException | None]] = {event.id: {} for event in events}
        for consumer in self._consumers.values():
            owed = [event for event in events if _owes(states.get(event.id, {}), consumer, now)]
            if owed:
                for event_id, error in (await self._run_consumer(consumer, owed)).items():
                    outcomes[event_id][consumer.name] = error
        await self._record(events, states, outcomes)
        return len(events)

    async def _claim_batch(self) -> list[DispatchedEvent]:
        """Lease the oldest due events in one UPDATE ... RETURNING: atomic on SQLite (the
        statement takes the write lock) and on PostgreSQL (rows another dispatcher holds
        are skipped, and the due condition is checked again on the locked row)."""
        now = utcnow()
        due = (
            OutboxEvent.dispatched_at.is_(None),
            or_(OutboxEvent.claimed_until.is_(None), OutboxEvent.claimed_until <= now),
        )
        async with session_scope(self._session_factory) as session:
            oldest = (
                select(OutboxEvent.id).where(*due).order_by(OutboxEvent.id).limit(self._batch_size)
            )
            if is_postgresql(session):
                oldest = oldest.with_for_update(skip_locked=True)
            claim = (
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(oldest.scalar_subquery()), *due)
                .values(claimed_until=now + self._lease)
                .returning(OutboxEvent)
                .execution_options(synchronize_session=False)
            )
            rows = sorted((await session.scalars(claim)).all(), key=lambda row: row.id)
            return [dispatched(row) for row in rows]

    async def _load_states(self, event_ids: list[int]) -> dict[int, dict[str, OutboxConsumption]]:
        async with self._session_factory() as session:
            rows = await session.scalars(
                select(OutboxConsumption).where(OutboxConsumption.event_id.in_(event_ids))
            )
            states: dict[int, dict[str, OutboxConsumption]] = {}
            for row in rows:
                states.setdefault(row.event_id, {})[row.consumer] = row
            return states

    async def _run_consumer(
        self, consumer: Consumer, events: list[DispatchedEvent]
    ) -> dict[int, Exception | None]:
        """Hand `events` to the consumer in one transaction, in event order; if one
        fails, again one event a transaction, so that only the failing ones are retried
        (the first transaction was rolled back whole)."""
        if len(events) > 1:
            try:
                async with asyncio.timeout(consumer.timeout_seconds * len(events)):
                    async with session_scope(self._session_factory) as session:
                        for event in events:
                            await self._handle(consumer, session, event)
            except Exception:  # noqa: S110 (each event is tried and logged on its own below)
                pass
            else:
                return {event.id: None for event in events}
        return {event.id: await self._run_one(consumer, event) for event in events}

    async def _run_one(self, consumer: Consumer, event: DispatchedEvent) -> Exception | None:
        try:
            async with asyncio.timeout(consumer.timeout_seconds):
                async with session_scope(self._session_factory) as session:
                    await self._handle(consumer, session, event)
        except Exception as exc:
            log.warning(
                "outbox_consumer_failed",
                consumer=consumer.name,
                event_id=event.id,
                event_type=event.type,
                error=repr(exc),
            )
            return exc
        return None

    @staticmethod
    async def _handle(consumer: Consumer, session: AsyncSession, event: DispatchedEvent) -> None:
        # The consumer's lines carry the id of the request that made the change.
        with structlog.contextvars.bound_contextvars(request_id=event.request_id):
            await consumer.handle(session, event)

    async def _record(
        self,
        events: list[DispatchedEvent],
        states: dict[int, dict[str, OutboxConsumption]],
        outcomes: dict[int, dict[str, BaseException | None]],
    ) -> None:
        """In one transaction: each event dispatched, or held until its next retry."""
        now = utcnow()
        async with session_scope(self._session_factory) as session:
            done: list[int] = []
            for event in events:
                event_states, event_outcomes = states.get(event.id, {}), outcomes[event.id]
                if not event_states and all(e is None for e in event_outcomes.values()):
                    done.append(event.id)  # every consumer at the first try: no bookkeeping
                    continue
                next_retry = await self._record_states(
                    session, event, event_states, event_outcomes, now
                )
                if next_retry is None:
                    done.append(event.id)
                else:
                    await session.execute(
                        update(OutboxEvent)
                        .where(OutboxEvent.id == event.id)
                        .values(claimed_until=next_retry)
                    )
            if done:
                await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_(done))
                    .values(dispatched_at=now, claimed_until=None)
                )

    async def _record_states(
        self,
        session: AsyncSession,
        event: DispatchedEvent,
        states: dict[str, OutboxConsumption],
        outcomes: dict[str, BaseException | None],
        now: datetime,
    ) -> datetime | None:
        """Each consumer's state for the event; when the earliest retry is due (None when
        no consumer still owes it)."""
        pending_retries: list[datetime] = []
        for name, error in outcomes.items():
            state = await session.merge(
                states.get(name)
                or OutboxConsumption(
                    event_id=event.id,
                    consumer=name,
                    status=ConsumptionStatus.FAILED,
                    attempts=0,
                    updated_at=now,
                )
            )
            state.attempts += 1
            state.updated_at = now
            if error is None:
                state.status = ConsumptionStatus.DONE
                state.next_attempt_at = None
            elif state.attempts >= self._max_attempts:
                state.status = ConsumptionStatus.DEAD
                state.last_error = repr(error)[:ERROR_EXCERPT_LENGTH]
                state.next_attempt_at = None
                log.error(
                    "outbox_consumer_gave_up",
                    consumer=name,
                    event_id=event.id,
                    attempts=state.attempts,
                )
            else:
                state.status = ConsumptionStatus.FAILED
                state.last_error = repr(error)[:ERROR_EXCERPT_LENGTH]
                state.next_attempt_at = now + retry_delay(state.attempts)
                pending_retries.append(state.next_attempt_at)
        pending_retries.extend(
            state.next_attempt_at
            for name, state in states.items()
            if name not in outcomes
            and state.status is ConsumptionStatus.FAILED
            and state.next_attempt_at is not None
            and name in self._consumers
        )
        return min(pending_retries) if pending_retries else None


def _owes(states: dict[str, OutboxConsumption], consumer: Consumer, now: datetime) -> bool:
    """Whether `consumer` still has to handle the event whose states these are: never
    tried, or failed with its retry due (not done, not dead)."""
    state = states.get(consumer.name)
    if state is None:
        return True
    if state.status is not ConsumptionStatus.FAILED:
        return False
    return state.next_attempt_at is None or state.next_attempt_at <= now
