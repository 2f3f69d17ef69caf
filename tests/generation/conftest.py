"""A small team to plan (four analysts, one or two shift types, one week), the settings
that run solver processes, and polling a job until it ends."""

from __future__ import annotations

import asyncio
import random
import time as clock
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.generation import worker
from shiftplanner.generation.repository import JobQueue
from shiftplanner.models import Analyst, GenerationJob, JobStatus, ShiftType, Team
from shiftplanner.runtime import Runtime
from shiftplanner.scheduling.problem import (
    AnalystSpec,
    Contract,
    Coverage,
    FairnessCounts,
    Problem,
    RequestKind,
    ShiftRequest,
    ShiftTypeSpec,
)
from tests.factories import Tenant, make_analyst, make_shift_type, make_team, unique

MONDAY = date(2030, 1, 7)
SUNDAY = MONDAY + timedelta(days=6)
WEEK = {"start": MONDAY.isoformat(), "end": SUNDAY.isoformat()}
ENDED = frozenset({"succeeded", "stopped", "failed", "cancelled", "applied"})
# Fairness over the week pulls the roster around; tests that count changes switch it off.
NO_FAIRNESS = {"fairness_weekends": 0, "fairness_nights": 0, "fairness_screener": 0}


@dataclass
class SmallTeam:
    team: Team
    analysts: list[Analyst]
    shift_types: list[ShiftType]


async def make_small_team(
    session: AsyncSession, tenant: Tenant, *, analysts: int = 4, evening: bool = True
) -> SmallTeam:
    """A team of its own in the tenant's organization: `analysts` analysts (the first a
    screener) and MORNING 07-15 (one analyst, a screener on weekdays), plus EVENING 15-23
    (one analyst) unless `evening` is False."""
    team = await make_team(session, tenant.org, code=unique("S"))
    people = [
        await make_analyst(session, team, skills=["screener"] if index == 0 else [])
        for index in range(analysts)
    ]
    shifts = [
        await make_shift_type(
            session, team, name="MORNING", start=time(7), end=time(15), screeners=1
        )
    ]
    if evening:
        shifts.append(
            await make_shift_type(session, team, name="EVENING", start=time(15), end=time(23))
        )
    await session.commit()
    return SmallTeam(team=team, analysts=people, shift_types=shifts)


@pytest.fixture
async def small_team(session: AsyncSession, tenant: Tenant) -> SmallTeam:
    return await make_small_team(session, tenant)


@pytest.fixture
def runner_settings(settings: Settings) -> Settings:
    """The test's settings with the runner on, polling often, with small solvers."""
    return settings.model_copy(
        update={
            "generation_runner_enabled": True,
            "generation_poll_interval_seconds": 0.1,
            "solver_workers": 2,
        }
    )


def generate_body(team_id: int, **options: Any) -> dict[str, Any]:
    return {"team_id": team_id, **WEEK, "time_limit_seconds": 5, "options": options}


async def wait_for_job(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    job_id: int,
    *,
    until: frozenset[str] = ENDED,
    within: float = 60,
) -> dict[str, Any]:
    """Poll the job until its status is one of `until` (bounded)."""
    deadline = clock.monotonic() + within
    while True:
        response = await client.get(f"/api/schedules/generate/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in until:
            return job
        assert clock.monotonic() < deadline, f"job {job_id} still {job['status']}"
        await asyncio.sleep(0.1)


async def run_in_process(runtime: Runtime, settings: Settings) -> JobStatus | None:
    """Claim the queued job and solve it here, as a solver process would."""
    async with session_scope(runtime.session_factory) as session:
        claimed = await JobQueue(session).claim(1, per_org=1)
    assert len(claimed) == 1
    return await worker.execute(settings.model_copy(update={"solver_workers": 2}), claimed[0])


def hard_problem() -> Problem:
    """Eight weeks of three shifts for twenty analysts with tight contracts, wishes and
    fairness: the solver cannot prove its best roster within a minute."""
    rng = random.Random(7)
    days = 56
    shift_types = [
        ShiftTypeSpec(id=1, name="MORNING", start=time(7), minutes=480),
        ShiftTypeSpec(id=2, name="EVENING", start=time(15), minutes=480),
        ShiftTypeSpec(
            id=3, name="NIGHT", start=time(23), minutes=480, is_night=True, forbidden_next=[1, 2]
        ),
    ]
    contract = Contract(
        max_consecutive_days=5,
        min_consecutive_days=2,
        min_consecutive_days_off=2,
        max_weekends=5,
        min_minutes=480 * 22,
        max_minutes=480 * 36,
    )
    ids = range(1, 21)
    analysts = [
        AnalystSpec(id=i, skills=["screener"] if i % 3 == 0 else [], contract=contract) for i in ids
    ]
    coverage = [
        Coverage(
            date=MONDAY + timedelta(days=d),
            shift_type_id=s,
            required=need + rng.randint(0, 1),
            screeners_required=0 if s == 3 else 1,
        )
        for d in range(days)
        for s, need in ((1, 3), (2, 3), (3, 2))
    ]
    wishes = {
        (analyst_id, day, shift_type_id): ShiftRequest(
            analyst_id=analyst_id,
            date=day,
            shift_type_id=shift_type_id,
            kind=rng.choice(list(RequestKind)),
        )
        for analyst_id, day, shift_type_id in (
            (
                rng.choice(ids),
                MONDAY + timedelta(days=rng.randrange(days)),
                rng.choice([None, 1, 2, 3]),
            )
            for _ in range(80)
        )
    }
    return Problem(
        start=MONDAY,
        end=MONDAY + timedelta(days=days - 1),
        shift_types=shift_types,
        analysts=analysts,
        coverage=coverage,
        requests=list(wishes.values()),
        fairness_history={
            i: FairnessCounts(
                weekends=rng.randint(0, 6),
                nights=rng.randint(0, 12),
                screener_days=rng.randint(0, 8),
            )
            for i in ids
        },
    )


async def queue_job(
    session: AsyncSession,
    tenant: Tenant,
    problem: Problem,
    *,
    time_limit_seconds: int = 60,
    status: JobStatus = JobStatus.QUEUED,
) -> GenerationJob:
    """A job straight into the table, for the runner to find (any problem will do: the
    runner and its processes never look at the team)."""
    job = GenerationJob(
        org_id=tenant.org.id,
        team_id=tenant.team.id,
        status=status,
        start=problem.start,
        end=problem.end,
        time_limit_seconds=time_limit_seconds,
        problem=problem.model_dump(mode="json"),
        progress=[],
    )
    session.add(job)
    await session.commit()
    return job
