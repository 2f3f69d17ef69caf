from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.time import utcnow
from shiftplanner.models import GenerationJob, JobStatus, Organization
from shiftplanner.monitoring.domain import CONFLICT_HORIZON_DAYS, DomainMetrics
from shiftplanner.runtime import Runtime
from tests.factories import Tenant, make_analyst, make_assignment


def value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def always_leader() -> bool:
    return True


def job(tenant: Tenant, status: JobStatus, **fields: object) -> GenerationJob:
    today = date.today()
    return GenerationJob(
        org_id=tenant.org.id,
        team_id=tenant.team.id,
        status=status,
        start=today,
        end=today + timedelta(days=6),
        time_limit_seconds=60,
        problem={},
        progress=[],
        **fields,
    )


async def test_a_refresh_sets_the_domain_gauges(
    runtime: Runtime,
    session: AsyncSession,
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    refresher = DomainMetrics(runtime.settings, runtime.read_session_factory, always_leader)
    today = utcnow().date()
    await make_analyst(session, tenant.team, active=False)
    morning = tenant.shift_types[0]
    await make_assignment(session, tenant.analysts[0], morning, today)
    await make_assignment(session, tenant.analysts[1], morning, today + timedelta(days=1))
    await make_assignment(session, tenant.analysts[1], morning, today - timedelta(days=30))
    finished = utcnow()
    session.add_all(
        [
            job(tenant, JobStatus.QUEUED),
            job(tenant, JobStatus.QUEUED),
            job(
                other_tenant,
                JobStatus.SUCCEEDED,
                started_at=finished - timedelta(seconds=42),
                finished_at=finished,
            ),
        ]
    )
    await session.commit()
    solves_before = value("shiftplanner_generation_solve_duration_seconds_count") or 0.0
    solve_seconds_before = value("shiftplanner_generation_solve_duration_seconds_sum") or 0.0

    await refresher.refresh(today)

    mine, theirs = str(tenant.org.id), str(other_tenant.org.id)
    assert value("shiftplanner_assignments", org_id=mine) == 3
    assert value("shiftplanner_assignments", org_id=theirs) == 0
    assert value("shiftplanner_analysts", org_id=mine) == 3  # the inactive one not
    assert value("shiftplanner_analysts", org_id=theirs) == 3
    assert value("shiftplanner_generation_jobs", status="queued") == 2
    assert value("shiftplanner_generation_jobs", status="succeeded") == 1
    assert value("shiftplanner_generation_jobs", status="failed") == 0
    assert value("shiftplanner_generation_solve_duration_seconds_count") == solves_before + 1
    assert value("shiftplanner_generation_solve_duration_seconds_sum") == (
        solve_seconds_before + 42
    )
    # The same conflicts the organization's own report lists over the horizon.
    last = today + timedelta(days=CONFLICT_HORIZON_DAYS - 1)
    report = await client.get(
        "/api/conflicts",
        params={"start": today.isoformat(), "end": last.isoformat()},
        headers=tenant.admin,
    )
    assert report.status_code == 200
    errors, warnings = report.json()["errors"], report.json()["warnings"]
    assert errors + warnings > 0
    assert value("shiftplanner_open_conflicts", org_id=mine, severity="error") == errors
    assert value("shiftplanner_open_conflicts", org_id=mine, severity="warning") == warnings

    # A second refresh does not count the finished job's solve again; an organization
    # that is gone loses its series.
    await session.execute(delete(Organization).where(Organization.id == other_tenant.org.id))
    await session.commit()
    await refresher.refresh(today)
    assert value("shiftplanner_generation_solve_duration_seconds_count") == solves_before + 1
    assert value("shiftplanner_assignments", org_id=theirs) is None
    assert value("shiftplanner_analysts", org_id=theirs) is None
    assert value("shiftplanner_open_conflicts", org_id=theirs, severity="warning") is None
    assert value("shiftplanner_assignments", org_id=mine) == 3
    assert value("shiftplanner_generation_jobs", status="succeeded") == 0


async def test_only_the_leader_refreshes(runtime: Runtime, tenant: Tenant) -> None:
    async def never() -> bool:
        return False

    settings = runtime.settings.model_copy(update={"domain_metrics_interval_seconds": 0.01})
    follower = DomainMetrics(settings, runtime.read_session_factory, never)
    leader = DomainMetrics(settings, runtime.read_session_factory, always_leader)
    follower.start()
    leader.start()
    try:
        for _ in range(200):  # bounded: until the leader has refreshed once
            if leader.refreshed_at is not None:
                break
            await asyncio.sleep(0.02)
    finally:
        await follower.stop()
        await leader.stop()
    assert leader.refreshed_at is not None
    assert follower.refreshed_at is None
