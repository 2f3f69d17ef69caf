"""A solver process: runs one generation job to its end.

The runner starts it (spawn: a fresh interpreter, nothing inherited) with the settings
and a job id it has claimed. It opens a database connection of its own, stamps the job's
start, solves the stored problem while writing each improvement to the job (at most
about once a second) and looking whether it was asked to end early, and stores the
solution: succeeded, or, asked to end, stopped or cancelled with the best roster found by
then. Any exception fails the job with its text. Every write is conditional on the job
still running, so a job ended elsewhere meanwhile stays as it was."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.config import Settings
from shiftplanner.db import create_engine, create_session_factory, session_scope
from shiftplanner.events import DomainEvent, EventType, emit
from shiftplanner.generation import lifecycle
from shiftplanner.generation.repository import JobQueue
from shiftplanner.generation.schemas import JobProgressed, ProgressPoint
from shiftplanner.logging import configure_logging, get_logger
from shiftplanner.models import JobStatus
from shiftplanner.scheduling.problem import Problem
from shiftplanner.scheduling.solution import Progress, Solution

if TYPE_CHECKING:
    from shiftplanner.scheduling.solve import SolveOptions

log = get_logger(__name__)

PROGRESS_INTERVAL_SECONDS = 1.0
ERROR_EXCERPT_LENGTH = 4000


def run_job(settings: Settings, job_id: int) -> None:
    """The entry point of a solver process."""
    configure_logging(settings)
    asyncio.run(execute(settings, job_id))


async def execute(
    settings: Settings, job_id: int, *, progress_interval: float = PROGRESS_INTERVAL_SECONDS
) -> JobStatus | None:
    """Run a claimed (running) job and record how it ended; returns that status, or None
    when the job was no longer running (cancelled) so nothing was recorded. Tests call
    this directly, in their own process."""
    engine = create_engine(settings)
    try:
        return await _execute(
            create_session_factory(engine), job_id, settings.solver_workers, progress_interval
        )
    finally:
        await engine.dispose()


@dataclass(frozen=True, slots=True)
class _Owner:
    """Whose job is solved: what its progress events name."""

    job_id: int
    org_id: int
    team_id: int


class _Recorder:
    """Collects the improvements the solver reports from its own threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._points: list[Progress] = []

    def __call__(self, point: Progress) -> None:
        with self._lock:
            self._points.append(point)

    def snapshot(self) -> list[Progress]:
        with self._lock:
            return list(self._points)


async def _execute(
    factory: async_sessionmaker[AsyncSession], job_id: int, workers: int, interval: float
) -> JobStatus | None:
    async with session_scope(factory) as session:
        job = await JobQueue(session).start(job_id)
        if job is None:
            log.info("generation_job_not_running", job_id=job_id)
            return None
        stored_problem, time_limit = job.problem, job.time_limit_seconds
        owner = _Owner(job_id=job_id, org_id=job.org_id, team_id=job.team_id)
        # This process's lines carry the id of the request that queued the job.
        structlog.contextvars.bind_contextvars(request_id=job.request_id)
    log.info("generation_job_solving", job_id=job_id, time_limit_seconds=time_limit)
    # The solver (OR-Tools, which brings pandas: about 90 MB) is loaded here, in the solver
    # process, never in the app process that only imports this module to start one.
    from shiftplanner.scheduling.solve import SolveOptions

    try:
        problem = Problem.model_validate(stored_problem)
        options = SolveOptions(
            time_limit_seconds=float(time_limit),
            workers=workers,
            # Explaining an infeasible problem is a second search; at most the time limit.
            explain_seconds=min(SolveOptions().explain_seconds, float(time_limit)),
        )
        solution, asked = await _solve(factory, owner, problem, options, interval)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[:ERROR_EXCERPT_LENGTH]
        log.exception("generation_job_failed", job_id=job_id, reason=reason)
        return await _finish(factory, job_id, JobStatus.FAILED, error=reason)
    log.info(
        "generation_job_solved",
        job_id=job_id,
        status=solution.status.value,
        objective=solution.objective,
        seconds=solution.seconds,
        ended_early=asked.value if asked else None,
    )
    return await _finish(
        factory,
        job_id,
        asked or JobStatus.SUCCEEDED,
        solution=solution.model_dump(mode="json"),
        progress=[point.model_dump(mode="json") for point in solution.progress],
    )


async def _solve(
    factory: async_sessionmaker[AsyncSession],
    owner: _Owner,
    problem: Problem,
    options: SolveOptions,
    interval: float,
) -> tuple[Solution, JobStatus | None]:
    """Solve in a thread while this loop writes the improvements so far to the job (with
    a `generation.progressed` event of the newest, for the live stream) and stops the
    search when the job is asked to end early; the solution, and how the job was asked
    to end (None if it was not)."""
    from shiftplanner.scheduling.solve import solve

    job_id = owner.job_id
    recorder = _Recorder()
    stop = threading.Event()
    solving = asyncio.ensure_future(asyncio.to_thread(solve, problem, options, recorder, stop))
    written = 0
    asked: JobStatus | None = None
    while True:
        done, _ = await asyncio.wait({solving}, timeout=interval)
        if done:
            return solving.result(), asked
        points = recorder.snapshot()
        async with session_scope(factory) as session:
            queue = JobQueue(session)
            if len(points) > written:
                if await queue.update_running(
                    job_id, progress=[point.model_dump(mode="json") for point in points]
                ):
                    _emit_progress(session, owner, points[-1])
                written = len(points)
            if asked is None:
                asked = await queue.end_requested(job_id)
        if asked is not None and not stop.is_set():
            log.info("generation_job_ending_early", job_id=job_id, requested=asked.value)
            stop.set()


def _emit_progress(session: AsyncSession, owner: _Owner, point: Progress) -> None:
    data = JobProgressed(
        id=owner.job_id,
        team_id=owner.team_id,
        point=ProgressPoint.model_validate(point.model_dump()),
    )
    emit(
        session,
        DomainEvent(
            type=EventType.GENERATION_PROGRESSED,
            org_id=owner.org_id,
            resource_type="generation",
            resource_id=owner.job_id,
            data=data.model_dump(mode="json", by_alias=True),
        ),
    )


async def _finish(
    factory: async_sessionmaker[AsyncSession], job_id: int, status: JobStatus, **values: object
) -> JobStatus | None:
    async with session_scope(factory) as session:
        recorded = await lifecycle.finish(session, job_id, status, **values)
    if recorded is None:
        log.info("generation_job_no_longer_running", job_id=job_id)
    return status if recorded is not None else None
