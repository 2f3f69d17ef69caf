"""How a generation job ends, wherever that is decided (the solver process, the runner,
a restart): one conditional change of status on a job still running, and the event of
the change, audited like any other."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event
from shiftplanner.generation import schemas
from shiftplanner.generation.repository import JobQueue
from shiftplanner.kit.time import utcnow
from shiftplanner.models import GenerationJob, JobStatus

EVENT_OF = {
    JobStatus.QUEUED: EventType.GENERATION_REQUESTED,
    JobStatus.SUCCEEDED: EventType.GENERATION_SUCCEEDED,
    JobStatus.STOPPED: EventType.GENERATION_STOPPED,
    JobStatus.FAILED: EventType.GENERATION_FAILED,
    JobStatus.CANCELLED: EventType.GENERATION_CANCELLED,
    JobStatus.APPLIED: EventType.GENERATION_APPLIED,
}


def emit(
    session: AsyncSession,
    job: GenerationJob,
    event: EventType | None = None,
    *,
    actor_user_id: int | None = None,
) -> None:
    """The event of the job's current status (or `event`)."""
    emit_resource_event(
        session, event or EVENT_OF[job.status], job, schemas.Job, actor_user_id=actor_user_id
    )


async def finish(
    session: AsyncSession, job_id: int, status: JobStatus, **values: object
) -> GenerationJob | None:
    """End a running job with `status`; None (and nothing changed) if it was no longer
    running."""
    queue = JobQueue(session)
    if not await queue.update_running(job_id, status=status, finished_at=utcnow(), **values):
        return None
    job = await session.get(GenerationJob, job_id, populate_existing=True)
    assert job is not None
    emit(session, job)
    return job


async def fail_running(
    session: AsyncSession, error: str, ids: Collection[int] | None = None
) -> list[int]:
    """Fail the running jobs (all, or those of `ids`) with `error`; their ids."""
    failed = await JobQueue(session).fail_running(error, ids)
    for job_id in failed:
        job = await session.get(GenerationJob, job_id, populate_existing=True)
        assert job is not None
        emit(session, job)
    return failed


async def end_unanswered(session: AsyncSession, job_id: int, error: str) -> GenerationJob | None:
    """End a job whose solver process did not answer a request to end: as requested, but
    without a roster."""
    requested = await JobQueue(session).end_requested(job_id)
    return await finish(session, job_id, requested or JobStatus.CANCELLED, error=error)
