"""Data versions: every transaction that changes an organization's data bumps the
organization's version just before it commits, in the same transaction. Cached answers
are keyed by the version they were computed at, so a committed change makes them
unreachable at once, in every process and replica, with no message to send and none to
lose; the row lock the bump takes also orders the versions as the commits. An organization without a version yet (nothing changed since it was made)
has its answers computed, never cached.

A change is a domain event of the organization, or any row of it the ORM writes (so a
write that forgot its event, or a test's factory, still counts); the operational tables
whose rows no cached answer shows are left out."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from shiftplanner.events import DomainEvent
from shiftplanner.events.types import PROGRESS_EVENTS
from shiftplanner.models import (
    ApiKey,
    AuditLog,
    DataVersion,
    GenerationJob,
    LoginThrottle,
    Organization,
    OutboxConsumption,
    OutboxEvent,
    RefreshToken,
    TokenFamily,
)

# session.info key: the organizations whose data the transaction changed.
CHANGED_ORGS = "data_versions_changed"
# Rows no cached answer shows: writing them (an audit entry, a key's last use, a job's
# progress) must not throw the organization's cache away.
OPERATIONAL = (
    ApiKey,
    AuditLog,
    DataVersion,
    GenerationJob,
    LoginThrottle,
    OutboxConsumption,
    OutboxEvent,
    RefreshToken,
    TokenFamily,
)


def _changed(session: Session | AsyncSession, org_id: int) -> None:
    session.info.setdefault(CHANGED_ORGS, set()).add(org_id)


def note_change(session: AsyncSession, change: DomainEvent) -> None:
    """The transactional hook: remember the event's organization for the commit (not
    for a progress report, which no cached answer shows)."""
    if change.org_id is not None and change.type not in PROGRESS_EVENTS:
        _changed(session, change.org_id)


@event.listens_for(Session, "before_flush")
def _note_written_rows(session: Session, _context: Any, _instances: Any) -> None:
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, OPERATIONAL):
            continue
        org_id = row.id if isinstance(row, Organization) else getattr(row, "org_id", None)
        if isinstance(org_id, int):
            _changed(session, org_id)


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # The commit's own flush comes after this event: flush now, so that what it writes
    # is noted. Late in the transaction, so the bump's row lock is held only until the
    # commit; in organization order, so two transactions never wait on each other's bumps.
    session.flush()
    changed = session.info.pop(CHANGED_ORGS, None)
    for org_id in sorted(changed or ()):
        session.execute(_bump(session, org_id))


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(CHANGED_ORGS, None)


def _bump(session: Session, org_id: int) -> Any:
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(DataVersion).values(org_id=org_id, version=1, epoch=uuid.uuid4().hex)
    return statement.on_conflict_do_update(
        index_elements=[DataVersion.org_id], set_={"version": DataVersion.version + 1}
    )
