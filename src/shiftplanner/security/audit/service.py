"""Writing and reading the audit trail.

Entries about a change are added to the change's own session (by the transactional hook
on every domain event), so an audited change and its entry commit or roll back together.
Entries about a refusal (a failed login, a denied write) are written where the refusal
is decided, in a transaction of their own when the request's is rolled back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.db import delete_in_batches, session_scope
from shiftplanner.events import DomainEvent
from shiftplanner.events.types import PROGRESS_EVENTS
from shiftplanner.kit.pagination import PageParams, paginate
from shiftplanner.kit.time import utcnow
from shiftplanner.models import AuditLog, AuditOutcome
from shiftplanner.security.actor import Actor
from shiftplanner.security.audit.repository import AuditLogRepository
from shiftplanner.security.context import current_request

PURGE_BATCH = 5000


def entry(
    *,
    action: str,
    outcome: AuditOutcome,
    org_id: int | None = None,
    resource_type: str | None = None,
    resource_id: int | None = None,
    actor_user_id: int | None = None,
    actor_api_key_id: int | None = None,
    status_code: int | None = None,
    changes: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditLog:
    """An entry stamped with the current request's id, client and acting identity."""
    request = current_request()
    return AuditLog(
        org_id=org_id if org_id is not None else (request.org_id if request else None),
        actor_user_id=actor_user_id
        if actor_user_id is not None
        else (request.user_id if request else None),
        actor_api_key_id=actor_api_key_id
        if actor_api_key_id is not None
        else (request.api_key_id if request else None),
        client_ip=request.client_ip if request else None,
        user_agent=request.user_agent if request else None,
        request_id=request.request_id if request else None,
        action=action,
        outcome=outcome,
        resource_type=resource_type,
        resource_id=resource_id,
        status_code=status_code,
        changes=dict(changes) if changes is not None else None,
        details=dict(details) if details is not None else None,
    )


def record(session: AsyncSession, **fields: Any) -> None:
    """Add an entry to the session's transaction."""
    AuditLogRepository(session).add(entry(**fields))


def record_event(session: AsyncSession, event: DomainEvent) -> None:
    """The transactional hook: every domain event is also an audit entry of its change
    (a progress report is no change: not audited)."""
    if event.type in PROGRESS_EVENTS:
        return
    record(
        session,
        action=event.type.value,
        outcome=AuditOutcome.SUCCESS,
        org_id=event.org_id,
        resource_type=event.resource_type,
        resource_id=event.resource_id,
        actor_user_id=event.actor_user_id,
        changes=event.changes,
    )


async def record_separately(factory: async_sessionmaker[AsyncSession], **fields: Any) -> None:
    """Commit an entry on its own, for a request whose transaction was rolled back."""
    async with session_scope(factory) as session:
        record(session, **fields)


async def signed_in_from(
    session: AsyncSession, email: str, client_ip: str | None, since: datetime
) -> bool:
    """Whether the account with this email signed in successfully from this client
    address since a time (False for an email without an account)."""
    if client_ip is None:
        return False
    return await AuditLogRepository(session).signed_in_from(email, client_ip, since)


async def list_entries(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    user_id: int | None = None,
    action: str | None = None,
    resource_type: str | None = None,
) -> tuple[list[AuditLog], str | None]:
    """The caller's organization's entries, newest first."""
    query = AuditLogRepository(session).filtered(
        actor.org_id,
        since=since,
        until=until,
        user_id=user_id,
        action=action,
        resource_type=resource_type,
    )
    return await paginate(
        session, query, keys=[AuditLog.occurred_at, AuditLog.id], params=params, descending=True
    )


async def purge(factory: async_sessionmaker[AsyncSession], *, retention_days: int) -> int:
    """Delete entries older than the retention, in batches; returns how many went."""
    cutoff = utcnow() - timedelta(days=retention_days)
    return await delete_in_batches(
        factory,
        lambda session: AuditLogRepository(session).delete_before(cutoff, batch=PURGE_BATCH),
        batch=PURGE_BATCH,
    )
