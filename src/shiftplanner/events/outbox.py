"""Writing events: into the outbox, in the transaction of the change they describe, so
that an event exists exactly when its change was committed."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import timedelta

from sqlalchemy import ColumnElement, Select, delete, false, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.db import change_id, delete_in_batches, wake_after_commit
from shiftplanner.events.types import DispatchedEvent, DomainEvent
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import current_request_id
from shiftplanner.models import OutboxEvent

# The name the dispatcher's wake-up goes by after a commit (see db.wake_after_commit).
DISPATCHER = "outbox-dispatcher"

# Side effects that must share the change's transaction (the audit entry); everything
# else consumes the committed event through the dispatcher.
TransactionalHook = Callable[[AsyncSession, DomainEvent], None]
_transactional_hooks: list[TransactionalHook] = []


def add_transactional_hook(hook: TransactionalHook) -> None:
    if hook not in _transactional_hooks:
        _transactional_hooks.append(hook)


def emit(session: AsyncSession, event: DomainEvent) -> None:
    """Record `event` in the current transaction. Call after the change was flushed, so
    the resource has its id."""
    payload: dict[str, object] = {"data": dict(event.data)}
    if event.changes is not None:
        payload["changes"] = dict(event.changes)
    session.add(
        OutboxEvent(
            org_id=event.org_id,
            event_type=event.type.value,
            resource_type=event.resource_type,
            resource_id=event.resource_id,
            actor_user_id=event.actor_user_id,
            payload=payload,
            request_id=current_request_id(),
            change_id=change_id(session),
        )
    )
    wake_after_commit(session, DISPATCHER)
    for hook in _transactional_hooks:
        hook(session, event)


# How far (in event ids) the events of one change are looked for: beyond a bulk write's
# largest batch.
CHANGE_WINDOW = 5000


async def change_batch(
    session: AsyncSession, event: DispatchedEvent, types: Collection[str]
) -> list[DispatchedEvent] | None:
    """The events among `types` that `event`'s change wrote, from `event` on, in order —
    or None if an earlier one exists (a consumer that speaks of a whole change at once,
    one notice for a bulk write, handles it at the first event)."""
    earlier = await session.scalar(
        earlier_in_change(event, types).order_by(OutboxEvent.id.desc()).limit(1)
    )
    if earlier is not None:
        return None
    return await change_events_from(session, event, types)


def earlier_in_change(event: DispatchedEvent, types: Collection[str]) -> Select[int]:
    """The ids of the events among `types` that `event`'s change wrote before it."""
    if event.change_id is None:
        return select(OutboxEvent.id).where(false())
    return select(OutboxEvent.id).where(
        *_same_change(event, types),
        OutboxEvent.id < event.id,
        OutboxEvent.id >= event.id - CHANGE_WINDOW,
    )


async def change_events_from(
    session: AsyncSession, event: DispatchedEvent, types: Collection[str]
) -> list[DispatchedEvent]:
    """The events among `types` that `event`'s change wrote, from `event` on, in order."""
    if event.change_id is None:
        return [event]
    rows = await session.scalars(
        select(OutboxEvent)
        .where(
            *_same_change(event, types),
            OutboxEvent.id >= event.id,
            OutboxEvent.id <= event.id + CHANGE_WINDOW,
        )
        .order_by(OutboxEvent.id)
    )
    return [dispatched(row) for row in rows] or [event]


def _same_change(event: DispatchedEvent, types: Collection[str]) -> tuple[ColumnElement[bool], ...]:
    return (
        OutboxEvent.org_id == event.org_id,
        OutboxEvent.change_id == event.change_id,
        OutboxEvent.event_type.in_(types),
    )


def dispatched(row: OutboxEvent) -> DispatchedEvent:
    """A stored event as consumers receive it."""
    return DispatchedEvent(
        id=row.id,
        type=row.event_type,
        org_id=row.org_id,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        actor_user_id=row.actor_user_id,
        occurred_at=row.occurred_at,
        payload=row.payload,
        request_id=row.request_id,
        change_id=row.change_id,
    )


PURGE_BATCH = 5000


async def purge(factory: async_sessionmaker[AsyncSession], *, retention_days: int) -> int:
    """Delete the events older than the retention that every consumer has handled (with
    the record of their handling), in batches; returns how many went. Events still to
    dispatch stay, however old."""
    cutoff = utcnow() - timedelta(days=retention_days)

    async def delete_batch(session: AsyncSession) -> int:
        oldest = (
            select(OutboxEvent.id)
            .where(OutboxEvent.occurred_at < cutoff, OutboxEvent.dispatched_at.is_not(None))
            .order_by(OutboxEvent.id)
            .limit(PURGE_BATCH)
        )
        result = await session.execute(
            delete(OutboxEvent).where(OutboxEvent.id.in_(oldest.scalar_subquery()))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    return await delete_in_batches(factory, delete_batch, batch=PURGE_BATCH)
