"""The generation runner: a background task of the app that runs queued generation jobs,
each in a solver process of its own (never on the event loop), at most
`solver_max_jobs` at once.

- Jobs are claimed fairly between organizations (`generation.queue`), at most
  `generation_max_running_per_org` of one organization at once, with a conditional UPDATE
  (queued → running) under a lock, so two replicas never run one job twice.
- Each round it reaps the processes that ended (one that ended without recording its
  job's end fails the job), stops those whose job ended elsewhere, ends those that did
  not answer a request to end within `END_GRACE`, and claims more jobs while there is
  room.
- At start, jobs a previous process left running cannot be finished by anyone: they
  fail ("interrupted by a restart"). Queued ones simply run. On shutdown its own solver
  processes are stopped and their jobs fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import time
from collections.abc import Mapping
from datetime import timedelta
from multiprocessing.context import SpawnProcess
from types import MappingProxyType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.generation import lifecycle, worker
from shiftplanner.generation.repository import JobQueue
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.models import JobStatus

log = get_logger(__name__)

INTERRUPTED = "interrupted by a restart"
STOPPED = "interrupted: the server stopped"
UNANSWERED = "the solver did not stop when asked; ended without a roster"
TERMINATE_GRACE_SECONDS = 5.0
# How long a solver process may take to end a job when asked (it polls once a second).
END_GRACE = timedelta(seconds=30)


class GenerationRunner:
    def __init__(
        self, settings: Settings, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._max_jobs = settings.solver_max_jobs
        self._per_org = settings.generation_max_running_per_org
        self._poll_interval = settings.generation_poll_interval_seconds
        self._context = multiprocessing.get_context("spawn")
        self._processes: dict[int, SpawnProcess] = {}
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # When the loop last finished a round (monotonic): the readiness check's lag.
        self.last_round_at: float | None = None

    @property
    def processes(self) -> Mapping[int, SpawnProcess]:
        """The solver processes running now, by job id."""
        return MappingProxyType(self._processes)

    async def start(self) -> None:
        """Fail the jobs a previous process left running, then work the queue."""
        if self._task is not None:
            return
        async with session_scope(self._session_factory) as session:
            interrupted = await lifecycle.fail_running(session, INTERRUPTED)
        for job_id in interrupted:
            log.warning("generation_job_interrupted", job_id=job_id, reason=INTERRUPTED)
        self.last_round_at = time.monotonic()
        self._task = asyncio.create_task(self._run(), name="generation-runner")

    def heartbeat_age(self) -> float | None:
        """Seconds since the loop last finished a round (one that failed does not count),
        or None if it is not running."""
        if self._task is None or self._task.done() or self.last_round_at is None:
            return None
        return time.monotonic() - self.last_round_at

    def wake(self) -> None:
        """Look at the queue now rather than at the next poll."""
        self._wakeup.set()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if not self._processes:
            return
        job_ids = list(self._processes)
        for job_id in job_ids:
            await self._terminate(job_id)
        async with session_scope(self._session_factory) as session:
            stopped = await lifecycle.fail_running(session, STOPPED, job_ids)
        for job_id in stopped:
            log.warning("generation_job_interrupted", job_id=job_id, reason=STOPPED)

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                await self.tick()
                self.last_round_at = time.monotonic()
            except Exception:
                log.exception("generation_runner_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)

    async def tick(self) -> None:
        """One round: reap, stop the cancelled, start queued jobs while there is room."""
        await self._reap()
        await self._stop_ended()
        room = self._max_jobs - len(self._processes)
        if room <= 0:
            return
        async with self._session_factory() as session:
            if not await JobQueue(session).has_queued():
                return
        async with session_scope(self._session_factory) as session:
            claimed = await JobQueue(session).claim(room, per_org=self._per_org)
        for job_id in claimed:
            await self._spawn(job_id)

    async def _spawn(self, job_id: int) -> None:
        process = self._context.Process(
            target=worker.run_job,
            args=(self._settings, job_id),
            name=f"generation-job-{job_id}",
            # Never outlives the app: a daemon process is terminated when its parent exits.
            daemon=True,
        )
        try:
            await asyncio.to_thread(process.start)
        except Exception as error:
            reason = f"the solver process did not start: {error!r}"
            log.exception("generation_process_not_started", job_id=job_id, reason=reason)
            async with session_scope(self._session_factory) as session:
                await lifecycle.fail_running(session, reason, [job_id])
            return
        self._processes[job_id] = process
        log.info("generation_process_started", job_id=job_id, pid=process.pid)

    async def _reap(self) -> None:
        ended = {job_id: p for job_id, p in self._processes.items() if not p.is_alive()}
        if not ended:
            return
        codes: dict[int, int | None] = {}
        for job_id, process in ended.items():
            process.join()
            codes[job_id] = process.exitcode
            process.close()
            del self._processes[job_id]
        # A process that recorded its job's end left it not running: this changes nothing.
        async with session_scope(self._session_factory) as session:
            for job_id, code in codes.items():
                reason = f"the solver process ended unexpectedly ({_how_it_ended(code)})"
                if await lifecycle.fail_running(session, reason, [job_id]):
                    log.error(
                        "generation_process_crashed", job_id=job_id, exit_code=code, reason=reason
                    )

    async def _stop_ended(self) -> None:
        """Stop the processes whose job ended elsewhere (cancelled while queued in a race,
        failed by another replica), and end the jobs whose process did not answer a
        request to end in time."""
        if not self._processes:
            return
        async with self._session_factory() as session:
            states = await JobQueue(session).states(list(self._processes))
        overdue = utcnow() - END_GRACE
        for job_id in list(self._processes):
            status, end_requested_at = states.get(job_id, (None, None))
            if status is JobStatus.RUNNING and (
                end_requested_at is None or end_requested_at > overdue
            ):
                continue
            await self._terminate(job_id)
            if status is JobStatus.RUNNING:
                async with session_scope(self._session_factory) as session:
                    await lifecycle.end_unanswered(session, job_id, UNANSWERED)
            log.info(
                "generation_process_stopped",
                job_id=job_id,
                status=status.value if status else None,
                reason=(
                    "it did not answer the request to end"
                    if status is JobStatus.RUNNING
                    else f"the job is {status.value}"
                    if status
                    else "the job is gone"
                ),
            )

    async def _terminate(self, job_id: int) -> None:
        """Stop the job's solver process and wait until it is gone."""
        process = self._processes[job_id]
        process.terminate()
        await asyncio.to_thread(process.join, TERMINATE_GRACE_SECONDS)
        if process.is_alive():
            process.kill()
            await asyncio.to_thread(process.join)
        del self._processes[job_id]
        process.close()


def _how_it_ended(exit_code: int | None) -> str:
    """`killed by SIGKILL` (the out-of-memory killer, an operator) rather than `-9`."""
    if exit_code is not None and exit_code < 0:
        try:
            return f"killed by {signal.Signals(-exit_code).name}"
        except ValueError:
            return f"killed by signal {-exit_code}"
    return f"exit code {exit_code}"
