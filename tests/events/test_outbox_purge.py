"""Old dispatched events go, with the record of their consumers; events still to dispatch
stay however old, and recent ones stay."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.events.outbox import purge
from shiftplanner.kit.time import utcnow
from shiftplanner.models import OutboxConsumption, OutboxEvent
from shiftplanner.models.outbox_consumption import ConsumptionStatus
from shiftplanner.runtime import Runtime
from tests.conftest import TEST_SECRET
from tests.factories import Tenant
from tests.subprocesses import run


async def arrange(session: AsyncSession, tenant: Tenant) -> None:
    """Events 40, 31 and 1 days old, dispatched (each with a consumer's record), and a
    40-day-old one not dispatched yet."""
    now = utcnow()
    for days, done in ((40, True), (31, True), (1, True), (40, False)):
        at = now - timedelta(days=days)
        event = OutboxEvent(
            org_id=tenant.org.id,
            event_type=f"age.{days}.{'done' if done else 'pending'}",
            resource_type="test",
            occurred_at=at,
            dispatched_at=at if done else None,
        )
        session.add(event)
        await session.flush()
        session.add(
            OutboxConsumption(
                event_id=event.id, consumer="test", status=ConsumptionStatus.DONE, updated_at=at
            )
        )
    await session.commit()


async def kept(session: AsyncSession) -> tuple[list[str], int]:
    session.expire_all()
    types = list(await session.scalars(select(OutboxEvent.event_type).order_by(OutboxEvent.id)))
    consumed = await session.scalar(select(func.count()).select_from(OutboxConsumption))
    return types, int(consumed or 0)


async def test_purge_keeps_recent_and_undispatched_events(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    await arrange(session, tenant)
    before = (await kept(session))[0]
    assert await purge(runtime.session_factory, retention_days=30) == 2
    assert await kept(session) == (
        [t for t in before if t not in ("age.40.done", "age.31.done")],
        len(before) - 2,
    )
    assert await purge(runtime.session_factory, retention_days=30) == 0


async def test_the_cli_purges_old_dispatched_events(
    session: AsyncSession, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    await arrange(session, tenant)
    result = await asyncio.to_thread(
        run,
        database_url,
        tmp_path,
        *("outbox", "purge", "--retention-days", "30"),
        env={"SHIFTPLANNER_JWT_SECRET": TEST_SECRET},
    )
    assert result.returncode == 0, result.stderr
    assert "Deleted 2 dispatched events older than 30 days" in result.stdout
    assert "age.40.pending" in (await kept(session))[0]
