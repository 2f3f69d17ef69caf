"""Writing events: into the outbox, in the transaction of the change they describe, so
that an event exists exactly when its change was committed."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.db import OUTBOX_PENDING
from shiftplanner.events.types import DomainEvent
from shiftplanner.logging import current_request_id
from shiftplanner.models import OutboxEvent

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
        )
    )
    session.info[OUTBOX_PENDING] = True
    for hook in _transactional_hooks:
        hook(session, event)
