"""The leader's merge: two processes' rows become the service's minute and hour rows
(sums, maxima, the process combination), a late row still counts, running it twice
changes nothing, and rows past their retention are pruned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.time import utcnow
from shiftplanner.models import AvailabilityCheck, ProcessRollup, RequestRollup
from shiftplanner.models.request_rollup import MERGED_SOURCE, RollupResolution
from shiftplanner.monitoring.rollups import service as rollup_service
from shiftplanner.monitoring.rollups.buckets import MINUTE, floor_hour, floor_minute
from shiftplanner.runtime import Runtime
from tests.monitoring.rollups.processes import Process, run_merge

ROUTE = "/test/merge"


async def merged(session: AsyncSession, resolution: RollupResolution) -> list[RequestRollup]:
    session.expunge_all()
    rows = await session.scalars(
        select(RequestRollup).where(
            RequestRollup.route == ROUTE,
            RequestRollup.source == MERGED_SOURCE,
            RequestRollup.resolution == resolution,
        )
    )
    return list(rows)


async def test_two_processes_merge_into_minute_and_hour_rows(
    runtime: Runtime, session: AsyncSession
) -> None:
    now = utcnow()
    minute = floor_minute(now) - 5 * MINUTE
    a = Process(runtime, "test:a").at(minute)
    b = Process(runtime, "test:b").at(minute)
    a.recorder.request("GET", ROUTE, 200, 0.004, 100)
    a.recorder.request("GET", ROUTE, 500, 0.2, 10)
    b.recorder.request("GET", ROUTE, 200, 0.9, 1000)
    a.sample(cpu=30.0, rss=100, lag=5.0, in_use=2)
    b.sample(cpu=50.0, rss=300, lag=9.0, in_use=4)
    for _ in range(3):
        a.recorder.probe(passed=True)
    a.recorder.probe(passed=False)
    b.recorder.probe(passed=True)
    await a.flush()
    await b.flush()
    before = await rollup_service.window(session, start=minute, end=minute + MINUTE, route=ROUTE)

    await run_merge(runtime, now)

    [row] = await merged(session, RollupResolution.MINUTE)
    assert (row.bucket_start, row.requests, row.errors_5xx, row.bytes_sent) == (
        minute,
        3,
        1,
        1110,
    )
    assert row.duration_ms_max == 900.0
    assert sum(row.latency_buckets) == 3
    [hour] = await merged(session, RollupResolution.HOUR)
    assert hour.bucket_start == floor_hour(minute)
    assert (hour.requests, hour.latency_buckets) == (row.requests, row.latency_buckets)
    # No process row is left, and the figures read the same as before the merge.
    left = await session.scalar(
        select(func.count()).select_from(RequestRollup).where(RequestRollup.source.like("test:%"))
    )
    assert left == 0
    after = await rollup_service.window(session, start=minute, end=minute + MINUTE, route=ROUTE)
    assert (after.requests, after.latency_buckets) == (before.requests, before.latency_buckets)

    process = await session.scalar(
        select(ProcessRollup).where(
            ProcessRollup.source == MERGED_SOURCE, ProcessRollup.bucket_start == minute
        )
    )
    assert process is not None
    # The service uses what its processes use together; lag is the worst process's.
    assert (process.cpu_percent_avg, process.rss_bytes_max) == (80.0, 400)
    assert (process.event_loop_lag_ms_max, process.db_pool_in_use_max) == (9.0, 6)
    assert process.db_pool_size == 20
    probes = await session.scalar(
        select(AvailabilityCheck).where(
            AvailabilityCheck.source == MERGED_SOURCE,
            AvailabilityCheck.resolution == RollupResolution.MINUTE,
        )
    )
    assert probes is not None
    assert (probes.passes, probes.failures, probes.down_minutes) == (4, 1, 0.2)
    probe_hour = await session.scalar(
        select(AvailabilityCheck).where(AvailabilityCheck.resolution == RollupResolution.HOUR)
    )
    assert probe_hour is not None
    assert (probe_hour.minutes, probe_hour.down_minutes) == (1, 0.2)

    # Twice: nothing changes.
    assert (await run_merge(runtime, now)).folded == 0
    [again] = await merged(session, RollupResolution.MINUTE)
    assert (again.requests, again.latency_buckets) == (3, row.latency_buckets)


async def test_a_late_row_of_a_merged_minute_still_counts(
    runtime: Runtime, session: AsyncSession
) -> None:
    now = utcnow()
    minute = floor_minute(now) - 3 * MINUTE
    a = Process(runtime, "test:a").at(minute)
    a.recorder.request("GET", ROUTE, 200, 0.01, 1)
    await a.flush()
    await run_merge(runtime, now)
    # Another process writes the same minute after it was merged (given back after an
    # outage, say): readers see it at once, and the next merge folds it in.
    late = Process(runtime, "test:late").at(minute)
    late.recorder.request("GET", ROUTE, 200, 0.01, 1)
    late.recorder.request("GET", ROUTE, 200, 0.01, 1)
    await late.flush()
    read = await rollup_service.window(session, start=minute, end=minute + MINUTE, route=ROUTE)
    assert read.requests == 3

    await run_merge(runtime, now)
    [row] = await merged(session, RollupResolution.MINUTE)
    [hour] = await merged(session, RollupResolution.HOUR)
    assert row.requests == hour.requests == 3
    read = await rollup_service.window(session, start=minute, end=minute + MINUTE, route=ROUTE)
    assert read.requests == 3


async def test_rows_past_their_retention_are_pruned(
    runtime: Runtime, session: AsyncSession
) -> None:
    now = utcnow()
    old = floor_minute(now - timedelta(days=8))
    ancient = floor_minute(now - timedelta(days=91))
    recent = floor_minute(now) - 10 * MINUTE
    process = Process(runtime, "test:a")
    for moment in (old, ancient, recent):
        process.at(moment).recorder.request("GET", ROUTE, 200, 0.01, 1)
        await process.flush()

    result = await run_merge(runtime, now)

    minutes = await merged(session, RollupResolution.MINUTE)
    assert [row.bucket_start for row in minutes] == [recent]
    hours = await merged(session, RollupResolution.HOUR)
    # The hour of 8 days ago stays (90 days), the one of 91 days ago is gone.
    assert sorted(row.bucket_start for row in hours) == [floor_hour(old), floor_hour(recent)]
    assert result.pruned >= 2
    # Over the whole range the figures are whole: hour rows where minutes are gone.
    totals = await rollup_service.window(
        session, start=floor_hour(now - timedelta(days=9)), end=floor_minute(now), route=ROUTE
    )
    assert totals.requests == 2
