"""The runner: solver processes of their own, claimed once, watched, stopped when their
job is cancelled, failed when they die or the server restarts; and the solver process
writing its progress while it searches."""

from __future__ import annotations

import asyncio
import os
import signal
import time as clock
from datetime import time, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.generation import worker
from shiftplanner.generation.repository import JobQueue
from shiftplanner.generation.runner import GenerationRunner
from shiftplanner.models import GenerationJob, JobStatus
from shiftplanner.runtime import Runtime
from shiftplanner.scheduling.problem import (
    AnalystSpec,
    Contract,
    Coverage,
    Problem,
    ShiftTypeSpec,
)
from tests.conftest import running
from tests.factories import Tenant
from tests.generation.conftest import MONDAY, hard_problem, queue_job, wait_for_job
from tests.logs import WrittenLogs

GENERATE = "/api/schedules/generate"
RUNNING = frozenset({"running"})


def tiny_problem() -> Problem:
    return Problem(
        start=MONDAY,
        end=MONDAY + timedelta(days=6),
        shift_types=[ShiftTypeSpec(id=1, start=time(7), minutes=480)],
        analysts=[AnalystSpec(id=i) for i in (1, 2, 3)],
        coverage=[
            Coverage(date=MONDAY + timedelta(days=d), shift_type_id=1, required=1) for d in range(7)
        ],
    )


def medium_problem() -> Problem:
    """Four weeks, sixteen analysts: a first roster within a second or two, the best one
    proved in a few more."""
    days = 28
    return Problem(
        start=MONDAY,
        end=MONDAY + timedelta(days=days - 1),
        shift_types=[
            ShiftTypeSpec(id=1, start=time(7), minutes=480),
            ShiftTypeSpec(id=2, start=time(15), minutes=480),
            ShiftTypeSpec(id=3, start=time(23), minutes=480, is_night=True, forbidden_next=[1, 2]),
        ],
        analysts=[
            AnalystSpec(
                id=i,
                skills=["screener"] if i % 3 == 0 else [],
                contract=Contract(
                    max_consecutive_days=5,
                    min_consecutive_days_off=2,
                    max_weekends=2,
                    min_minutes=480 * 12,
                    max_minutes=480 * 20,
                ),
            )
            for i in range(1, 17)
        ],
        coverage=[
            Coverage(
                date=MONDAY + timedelta(days=d),
                shift_type_id=s,
                required=need,
                screeners_required=1 if s == 1 else 0,
            )
            for d in range(days)
            for s, need in ((1, 3), (2, 3), (3, 2))
        ],
    )


def json_logs(settings: Settings) -> Settings:
    return settings.model_copy(update={"log_json": True})


def runner_of(app: FastAPI) -> GenerationRunner:
    runtime: Runtime = app.state.runtime
    return runtime.generation_runner


async def solver_pid(app: FastAPI, job_id: int, within: float = 30) -> int:
    """The pid of the job's solver process, once the runner started it."""
    deadline = clock.monotonic() + within
    while True:
        process = runner_of(app).processes.get(job_id)
        if process is not None and process.pid is not None and process.is_alive():
            return process.pid
        assert clock.monotonic() < deadline, f"no solver process for job {job_id}"
        await asyncio.sleep(0.05)


async def process_gone(app: FastAPI, job_id: int, pid: int, within: float = 15) -> None:
    deadline = clock.monotonic() + within
    while job_id in runner_of(app).processes:
        assert clock.monotonic() < deadline, f"job {job_id}'s process is still watched"
        await asyncio.sleep(0.05)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def wait_until_solving(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: int
) -> dict[str, Any]:
    """The job once its solver process has loaded it and started searching."""
    deadline = clock.monotonic() + 30
    while True:
        job = await wait_for_job(client, headers, job_id, until=RUNNING)
        if job["started_at"] is not None:
            return job
        assert clock.monotonic() < deadline, f"job {job_id} never started solving"
        await asyncio.sleep(0.05)


async def wait_until_a_roster(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: int
) -> dict[str, Any]:
    """The running job once its solver reported a first roster."""
    deadline = clock.monotonic() + 60
    while True:
        job = await wait_for_job(client, headers, job_id, until=RUNNING)
        if job["progress"]:
            return job
        assert clock.monotonic() < deadline, f"job {job_id} found no roster"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize(("path", "ended"), [("stop", "stopped"), ("cancel", "cancelled")])
async def test_ending_a_running_job_early_keeps_its_best_roster(
    session: AsyncSession, tenant: Tenant, runner_settings: Settings, path: str, ended: str
) -> None:
    job = await queue_job(session, tenant, hard_problem(), time_limit_seconds=120)
    async with running(runner_settings) as (app, client):
        pid = await solver_pid(app, job.id)
        solving = await wait_until_a_roster(client, tenant.manager, job.id)
        assert solving["proposal"] is None
        asked = (
            await client.post(f"{GENERATE}/{job.id}/stop", headers=tenant.manager)
            if path == "stop"
            else await client.delete(f"{GENERATE}/{job.id}", headers=tenant.manager)
        )
        assert asked.status_code == 200, asked.text
        assert (asked.json()["status"], asked.json()["end_requested"]) == ("running", ended)
        asked_at = clock.monotonic()
        final = await wait_for_job(client, tenant.manager, job.id)
        took = clock.monotonic() - asked_at
        await process_gone(app, job.id, pid)
    assert final["status"] == ended
    assert took < 10, f"the solver took {took:.1f} s to stop"
    solution = final["proposal"]["solution"]
    assert solution["status"] in ("feasible", "optimal")
    assert solution["seconds"] < 60
    assert final["proposal"]["assignments"]
    # The best roster found (its true cost may be below the search's own figure for it).
    assert solution["objective"] <= final["progress"][-1]["objective"]


async def test_cancelling_a_queued_job_cancels_it_at_once_and_it_never_runs(
    session: AsyncSession, tenant: Tenant, runner_settings: Settings
) -> None:
    job = await queue_job(session, tenant, tiny_problem(), time_limit_seconds=5)
    settings = runner_settings.model_copy(update={"generation_runner_enabled": False})
    async with running(settings) as (_, client):
        problem_stop = await client.post(f"{GENERATE}/{job.id}/stop", headers=tenant.manager)
        assert problem_stop.status_code == 409, problem_stop.text
        cancelled = await client.delete(f"{GENERATE}/{job.id}", headers=tenant.manager)
        assert cancelled.json()["status"] == "cancelled"
        again = await client.delete(f"{GENERATE}/{job.id}", headers=tenant.manager)
        assert again.status_code == 409, again.text
    async with running(runner_settings) as (app, client):
        await asyncio.sleep(0.5)
        assert job.id not in runner_of(app).processes
        final = await wait_for_job(client, tenant.manager, job.id)
    assert (final["status"], final["started_at"], final["proposal"]) == ("cancelled", None, None)


async def test_a_solver_process_that_dies_fails_its_job_and_says_why(
    session: AsyncSession, tenant: Tenant, runner_settings: Settings, written_logs: WrittenLogs
) -> None:
    job = await queue_job(session, tenant, hard_problem(), time_limit_seconds=120)
    async with running(json_logs(runner_settings)) as (app, client):
        pid = await solver_pid(app, job.id)
        os.kill(pid, signal.SIGKILL)
        failed = await wait_for_job(client, tenant.manager, job.id)
        assert failed["status"] == "failed"
        reason = "the solver process ended unexpectedly (killed by SIGKILL)"
        assert failed["error"] == reason
        assert job.id not in runner_of(app).processes
    [logged] = written_logs.events("generation_process_crashed")
    assert (logged["job_id"], logged["reason"], logged["level"]) == (job.id, reason, "error")


async def test_shutting_down_stops_the_solver_processes_and_fails_their_jobs_saying_why(
    session: AsyncSession, tenant: Tenant, runner_settings: Settings, written_logs: WrittenLogs
) -> None:
    job = await queue_job(session, tenant, hard_problem(), time_limit_seconds=120)
    async with running(json_logs(runner_settings)) as (app, _):
        pid = await solver_pid(app, job.id)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    await session.refresh(job)
    assert job.status is JobStatus.FAILED
    assert job.error == "interrupted: the server stopped"
    [logged] = written_logs.events("generation_job_interrupted")
    assert (logged["job_id"], logged["reason"]) == (job.id, job.error)


async def test_a_restart_fails_the_jobs_left_running_saying_why_and_runs_the_queued_ones(
    session: AsyncSession,
    tenant: Tenant,
    other_tenant: Tenant,
    runner_settings: Settings,
    written_logs: WrittenLogs,
) -> None:
    interrupted = await queue_job(session, tenant, tiny_problem(), status=JobStatus.RUNNING)
    waiting = await queue_job(session, other_tenant, tiny_problem(), time_limit_seconds=5)
    async with running(json_logs(runner_settings)) as (_, client):
        [logged] = written_logs.events("generation_job_interrupted")
        assert (logged["job_id"], logged["reason"]) == (interrupted.id, "interrupted by a restart")
        left = await client.get(f"{GENERATE}/{interrupted.id}", headers=tenant.manager)
        assert left.json()["status"] == "failed"
        assert left.json()["error"] == "interrupted by a restart"
        ran = await wait_for_job(client, other_tenant.manager, waiting.id)
        assert ran["status"] == "succeeded", ran["error"]
        assert ran["proposal"]["solution"]["status"] == "optimal"


async def test_at_most_solver_max_jobs_run_at_once(
    session: AsyncSession, tenant: Tenant, other_tenant: Tenant, runner_settings: Settings
) -> None:
    jobs = [
        await queue_job(session, owner, tiny_problem(), time_limit_seconds=5)
        for owner in (tenant, other_tenant)
    ]
    most = 0
    async with running(runner_settings.model_copy(update={"solver_max_jobs": 1})) as (app, _):
        deadline = clock.monotonic() + 60
        while True:
            async with session_scope(runner_of(app)._session_factory) as poll:
                statuses = await JobQueue(poll).statuses([j.id for j in jobs])
            most = max(most, sum(s is JobStatus.RUNNING for s in statuses.values()))
            most = max(most, len(runner_of(app).processes))
            if all(s is JobStatus.SUCCEEDED for s in statuses.values()):
                break
            assert clock.monotonic() < deadline, statuses
            await asyncio.sleep(0.05)
    assert most == 1


async def test_a_queued_job_is_claimed_once_by_concurrent_runners(
    session: AsyncSession, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    jobs = [await queue_job(session, owner, tiny_problem()) for owner in (tenant, other_tenant)]

    async def claim() -> list[int]:
        async with session_scope(runtime.session_factory) as claiming:
            return await JobQueue(claiming).claim(2, per_org=1)

    first, second = await asyncio.gather(claim(), claim())
    assert sorted(first + second) == sorted(j.id for j in jobs)
    assert not set(first) & set(second)
    assert await claim() == []
    for job in jobs:
        await session.refresh(job)
        assert job.status is JobStatus.RUNNING


async def test_the_solver_process_writes_its_progress_while_it_searches(
    session: AsyncSession, runtime: Runtime, settings: Settings, tenant: Tenant
) -> None:
    job = await queue_job(session, tenant, medium_problem(), time_limit_seconds=3)
    async with session_scope(runtime.session_factory) as claiming:
        assert await JobQueue(claiming).claim(1, per_org=1) == [job.id]
    solving = asyncio.create_task(
        worker.execute(
            settings.model_copy(update={"solver_workers": 2}), job.id, progress_interval=0.2
        )
    )
    seen_while_running: list[object] = []
    while not solving.done():
        async with runtime.session_factory() as poll:
            row = await poll.get(GenerationJob, job.id)
            assert row is not None
            if row.status is JobStatus.RUNNING and row.progress:
                seen_while_running = list(row.progress)
        await asyncio.sleep(0.1)
    assert await solving is JobStatus.SUCCEEDED
    assert seen_while_running, "no progress was written before the job ended"
    await session.refresh(job)
    assert job.started_at is not None
    assert job.solution is not None
    assert len(job.progress) >= len(seen_while_running)
    assert job.progress[: len(seen_while_running)] == seen_while_running


async def test_a_long_job_of_one_organization_does_not_starve_another(
    session: AsyncSession, tenant: Tenant, other_tenant: Tenant, runner_settings: Settings
) -> None:
    """The security review's case: organization A's long job runs, A queues more, then B
    asks for a one-second job. B's job runs at once on the second solver and ends while
    A's first still runs; A's second waits for A's first (one job of each at a time)."""
    long_job = await queue_job(session, tenant, hard_problem(), time_limit_seconds=120)
    async with running(runner_settings) as (app, client):
        await solver_pid(app, long_job.id)
        more = await queue_job(session, tenant, tiny_problem(), time_limit_seconds=5)
        quick = await queue_job(session, other_tenant, tiny_problem(), time_limit_seconds=1)
        done = await wait_for_job(client, other_tenant.manager, quick.id, within=30)
        assert done["status"] == "succeeded", done["error"]
        waiting = (await client.get(f"{GENERATE}/{more.id}", headers=tenant.manager)).json()
        assert (waiting["status"], waiting["queue_position"]) == ("queued", 1)
        still = (await client.get(f"{GENERATE}/{long_job.id}", headers=tenant.manager)).json()
        assert still["status"] == "running"
        stopped = await client.post(f"{GENERATE}/{long_job.id}/stop", headers=tenant.manager)
        assert stopped.status_code == 200, stopped.text
        follows = await wait_for_job(client, tenant.manager, more.id, within=60)
    assert follows["status"] == "succeeded", follows["error"]
