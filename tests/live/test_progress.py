"""A running generation job's progress reaches the managers' streams as it happens: one
`generation.progressed` event per new improvement, written with the progress itself, at
most once per interval; not audited (no one changed anything), and not sent to those who
may not read generation jobs."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.events import DomainEvent, EventType, emit
from shiftplanner.generation import worker
from shiftplanner.generation.repository import JobQueue
from shiftplanner.models import AuditLog, DataVersion, GenerationJob, JobStatus, OutboxEvent
from shiftplanner.runtime import Runtime
from tests.factories import Tenant
from tests.generation.conftest import hard_problem, queue_job
from tests.generation.test_runner import medium_problem
from tests.live.support import Served, listening, of_type

INTERVAL = 0.3


async def test_a_running_jobs_progress_reaches_the_managers_as_it_happens(
    http: httpx.AsyncClient,
    server: Served,
    tenant: Tenant,
    session: AsyncSession,
    runtime: Runtime,
    settings: Settings,
) -> None:
    # A first roster within a second or two, better ones for a few seconds more.
    job = await queue_job(session, tenant, medium_problem(), time_limit_seconds=3)
    async with session_scope(runtime.session_factory) as claiming:
        assert await JobQueue(claiming).claim(1, per_org=1) == [job.id]
    async with (
        listening(http, tenant.manager) as manager,
        listening(http, tenant.viewer) as viewer,
    ):
        solving = asyncio.create_task(
            worker.execute(
                settings.model_copy(update={"solver_workers": 2}),
                job.id,
                progress_interval=INTERVAL,
            )
        )
        try:
            first = await manager.until(of_type("generation.progressed", id=job.id), within=30)
            assert await asyncio.wait_for(solving, 60) is JobStatus.SUCCEEDED
        finally:
            if not solving.done():
                solving.cancel()
        rest = await manager.until(of_type("generation.succeeded", id=job.id))
        renamed = await http.patch(
            f"/api/teams/{tenant.team.id}", json={"name": "Last"}, headers=tenant.admin
        )
        assert renamed.status_code == 200, renamed.text
        sent_to_viewer = await viewer.until(of_type("team.updated", name="Last"))
    progressed = [m for m in [*first, *rest] if m.event == "generation.progressed"]
    await session.refresh(job)
    stored = job.progress
    # Written while the job ran, not after it ended.
    assert job.finished_at is not None
    assert all(datetime.fromisoformat(m.data["timestamp"]) < job.finished_at for m in progressed)
    assert {m.data["data"]["team_id"] for m in progressed} == {tenant.team.id}
    points = [m.data["data"]["point"] for m in progressed]
    # Each a new improvement the job stored, in order, none twice.
    assert all(point in stored for point in points)
    assert [stored.index(point) for point in points] == sorted({stored.index(p) for p in points})
    objectives = [point["objective"] for point in points]
    assert objectives == sorted(objectives, reverse=True)
    # At most one per interval (fewer when the solver found nothing better meanwhile).
    times = [datetime.fromisoformat(m.data["timestamp"]) for m in progressed]
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]
    assert all(gap >= INTERVAL * 0.9 for gap in gaps), gaps
    # The viewer reads no generation jobs.
    assert [m.event for m in sent_to_viewer] == ["team.updated"]
    # In the outbox (webhooks may subscribe), but no audit entry: nobody changed anything.
    outboxed = await session.scalar(
        select(func.count())
        .select_from(OutboxEvent)
        .where(OutboxEvent.event_type == "generation.progressed", OutboxEvent.resource_id == job.id)
    )
    assert outboxed == len(progressed)
    audited = await session.scalars(
        select(AuditLog.action).where(
            AuditLog.resource_type == "generation", AuditLog.resource_id == job.id
        )
    )
    assert list(audited) == ["generation.succeeded"]


async def test_a_job_no_longer_running_reports_no_progress(
    session: AsyncSession, runtime: Runtime, settings: Settings, tenant: Tenant
) -> None:
    """A job cancelled before its solver started: no progress written, no event."""
    job = await queue_job(session, tenant, hard_problem(), time_limit_seconds=3)
    async with session_scope(runtime.session_factory) as claiming:
        assert await JobQueue(claiming).claim(1, per_org=1) == [job.id]
        await claiming.execute(
            update(GenerationJob)
            .where(GenerationJob.id == job.id)
            .values(status=JobStatus.CANCELLED)
        )
    assert await worker.execute(settings, job.id, progress_interval=INTERVAL) is None
    outboxed = await session.scalar(
        select(func.count())
        .select_from(OutboxEvent)
        .where(OutboxEvent.event_type == "generation.progressed")
    )
    assert outboxed == 0


async def test_a_progress_report_is_neither_audited_nor_a_new_data_version(
    session: AsyncSession, tenant: Tenant
) -> None:
    """It changes nothing anyone reads from the cache, and nobody made it."""
    version = await session.scalar(
        select(DataVersion.version).where(DataVersion.org_id == tenant.org.id)
    )
    audited = await session.scalar(select(func.count()).select_from(AuditLog))
    point = {"seconds": 1.5, "objective": 40, "bound": 12}
    emit(
        session,
        DomainEvent(
            type=EventType.GENERATION_PROGRESSED,
            org_id=tenant.org.id,
            resource_type="generation",
            resource_id=1,
            data={"id": 1, "team_id": tenant.team.id, "point": point},
        ),
    )
    await session.commit()
    assert (
        await session.scalar(select(DataVersion.version).where(DataVersion.org_id == tenant.org.id))
        == version
    )
    assert await session.scalar(select(func.count()).select_from(AuditLog)) == audited
    stored = await session.scalar(
        select(OutboxEvent.payload).where(OutboxEvent.event_type == "generation.progressed")
    )
    assert stored == {"data": {"id": 1, "team_id": tenant.team.id, "point": point}}
