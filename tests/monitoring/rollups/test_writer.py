"""The writer: this process's recorded minutes become rows of its own, by route
template, with the right counts and latency buckets; written twice they add up; a
failed write gives the minutes back and a later write stores them."""

from __future__ import annotations

import os

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shiftplanner.db import create_session_factory
from shiftplanner.models import AvailabilityCheck, ProcessRollup, RequestRollup
from shiftplanner.models.request_rollup import RollupResolution
from shiftplanner.monitoring.metrics import LATENCY_BUCKETS_SECONDS
from shiftplanner.monitoring.recorder import Recorder, current_minute
from shiftplanner.monitoring.rollups.buckets import minute_start
from shiftplanner.monitoring.rollups.writer import RollupWriter, process_source
from shiftplanner.runtime import Runtime
from tests.factories import Tenant

ROUTE = "/test/rollups/{thing_id}"


async def request_rows(session: AsyncSession, source: str) -> list[RequestRollup]:
    rows = await session.scalars(
        select(RequestRollup).where(
            RequestRollup.source == source,
            RequestRollup.resolution == RollupResolution.MINUTE,
        )
    )
    return list(rows)


async def test_requests_through_the_app_become_rows_by_route_template(
    client: httpx.AsyncClient, runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    analyst = tenant.analysts[0]
    for _ in range(3):
        assert (await client.get("/api/analysts", headers=tenant.viewer)).status_code == 200
    assert (
        await client.get(f"/api/analysts/{analyst.id}", headers=tenant.viewer)
    ).status_code == 200
    assert (await client.get("/api/analysts/999999", headers=tenant.viewer)).status_code == 404
    assert runtime.monitoring.measuring is not None
    writer = runtime.monitoring.measuring.rollups.writer
    assert await writer.flush(everything=True)

    rows = await request_rows(session, writer.source)
    by_route: dict[tuple[str, str], list[RequestRollup]] = {}
    for row in rows:
        by_route.setdefault((row.method, row.route), []).append(row)
    assert not any(str(analyst.id) in route or "999999" in route for _, route in by_route)
    one = by_route[("GET", "/api/analysts/{analyst_id}")]
    assert sum(row.requests for row in one) == 2
    assert sum(row.errors_4xx for row in one) == 1
    assert sum(row.errors_5xx for row in one) == 0
    listing = by_route[("GET", "/api/analysts")]
    assert sum(row.requests for row in listing) == 3
    for row in rows:
        assert len(row.latency_buckets) == len(LATENCY_BUCKETS_SECONDS) + 1
        if row.route:
            assert sum(row.latency_buckets) == row.requests
            assert row.bytes_sent > 0
            assert 0 < row.duration_ms_max <= row.duration_ms_sum
    # Each request's statements are counted on its row (the first listing's at least;
    # the response cache may answer the others without any).
    assert sum(row.queries for row in listing) >= 1
    # Nothing is left to write, and writing nothing touches no row.
    assert await writer.flush(everything=True)
    assert len(await request_rows(session, writer.source)) == len(rows)


def test_the_source_is_short_and_differs_per_writer() -> None:
    first, second = process_source(), process_source()
    assert first != second
    assert len(first) <= 64
    assert f":{os.getpid()}:" in first


async def test_a_minute_written_twice_adds_up(runtime: Runtime, session: AsyncSession) -> None:
    minute = current_minute() - 5
    recorder = Recorder(clock=lambda: minute)
    writer = RollupWriter(recorder, runtime.session_factory, source="test:writer")
    recorder.request("GET", ROUTE, 200, 0.004, 100)
    recorder.request("GET", ROUTE, 503, 0.3, 50)
    recorder.process_sample(
        cpu_percent=10.0,
        rss_bytes=1000,
        event_loop_lag_ms=2.0,
        gc_pause_ms=1.0,
        db_pool_in_use=1,
        db_pool_size=5,
    )
    recorder.probe(passed=True)
    assert await writer.flush(everything=True)
    recorder.request("GET", ROUTE, 200, 0.004, 100)
    for cpu in (40.0, 40.0, 40.0):
        recorder.process_sample(
            cpu_percent=cpu,
            rss_bytes=3000,
            event_loop_lag_ms=1.0,
            gc_pause_ms=1.0,
            db_pool_in_use=3,
            db_pool_size=5,
        )
    recorder.probe(passed=False)
    assert await writer.flush(everything=True)

    [row] = await request_rows(session, "test:writer")
    assert (row.bucket_start, row.route) == (minute_start(minute), ROUTE)
    assert (row.requests, row.errors_5xx, row.bytes_sent) == (3, 1, 250)
    assert row.duration_ms_max == 300.0
    # 4 ms twice in the (2.5, 5] ms bucket, 300 ms once in (250, 500].
    assert row.latency_buckets[LATENCY_BUCKETS_SECONDS.index(0.005)] == 2
    assert row.latency_buckets[LATENCY_BUCKETS_SECONDS.index(0.5)] == 1
    process = await session.scalar(
        select(ProcessRollup).where(ProcessRollup.source == "test:writer")
    )
    assert process is not None
    assert process.samples == 4
    assert process.cpu_percent_avg == (10 + 3 * 40) / 4
    assert (process.cpu_percent_max, process.rss_bytes_max) == (40.0, 3000)
    assert (process.db_pool_in_use_max, process.gc_pause_ms_sum) == (3, 4.0)
    probe = await session.scalar(
        select(AvailabilityCheck).where(AvailabilityCheck.source == "test:writer")
    )
    assert probe is not None
    assert (probe.passes, probe.failures, probe.down_minutes) == (1, 1, 0.5)


async def test_a_failed_write_gives_the_minutes_back(
    runtime: Runtime, session: AsyncSession
) -> None:
    minute = current_minute() - 3
    recorder = Recorder(clock=lambda: minute)
    # A database nobody listens on: the write fails for real.
    unreachable = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:9/none")
    try:
        failing = RollupWriter(recorder, create_session_factory(unreachable), source="test:down")
        recorder.request("POST", ROUTE, 201, 0.02, 10)
        assert not await failing.flush(everything=True)
        # Recorded while the database was down: kept with what came back.
        recorder.request("POST", ROUTE, 201, 0.02, 10)
        assert not await failing.flush(everything=True)
    finally:
        await unreachable.dispose()
    assert await request_rows(session, "test:down") == []

    working = RollupWriter(recorder, runtime.session_factory, source="test:down")
    assert await working.flush(everything=True)
    [row] = await request_rows(session, "test:down")
    assert (row.method, row.route, row.requests, row.bytes_sent) == ("POST", ROUTE, 2, 20)
    assert sum(row.latency_buckets) == 2
