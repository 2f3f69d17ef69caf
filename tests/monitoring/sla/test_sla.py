"""The SLA on synthetic rollups: down minutes from failed probes and from a restart gap,
minutes before the first probe not counted, hour rows past the minute retention, the
error budget, and windows that cannot be read."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.time import utcnow
from shiftplanner.models import AvailabilityCheck, RequestRollup
from shiftplanner.models.request_rollup import MERGED_SOURCE, RollupResolution
from shiftplanner.monitoring.metrics import LATENCY_BUCKETS_SECONDS
from shiftplanner.monitoring.rollups.buckets import HOUR, MINUTE, empty_buckets, floor_hour
from shiftplanner.monitoring.sla import service as sla_service
from shiftplanner.monitoring.sla.service import DownSpan, Targets
from tests.assertions import problem
from tests.factories import Tenant

TARGETS = Targets(availability_percent=99.0, error_rate_percent=0.1, p95_ms=200.0)


def probes(
    start: datetime,
    *,
    passes: int = 4,
    failures: int = 0,
    source: str = MERGED_SOURCE,
    resolution: RollupResolution = RollupResolution.MINUTE,
    minutes: int = 1,
    down: float | None = None,
) -> AvailabilityCheck:
    return AvailabilityCheck(
        resolution=resolution,
        bucket_start=start,
        source=source,
        passes=passes,
        failures=failures,
        minutes=minutes,
        down_minutes=failures / (passes + failures) if down is None else down,
    )


def minutes_between(start: datetime, end: datetime) -> list[datetime]:
    return [start + i * MINUTE for i in range(int((end - start) / MINUTE))]


async def test_failed_probes_and_a_restart_gap_spend_the_budget(session: AsyncSession) -> None:
    now = floor_hour(utcnow()) - 3 * HOUR + timedelta(minutes=30, seconds=20)
    end = now.replace(second=0) - MINUTE
    start = end - HOUR
    gap = {start + (30 + i) * MINUTE for i in range(5)}  # the service restarting
    failing = start + 10 * MINUTE
    for minute in minutes_between(end - 2 * HOUR, end - MINUTE):
        if minute in gap:
            continue
        session.add(probes(minute, passes=3, failures=1) if minute == failing else probes(minute))
    # The last minute is not merged yet: it counts all the same.
    session.add(probes(end - MINUTE, source="test:process"))
    buckets = empty_buckets()
    buckets[LATENCY_BUCKETS_SECONDS.index(0.1)] = 960
    buckets[LATENCY_BUCKETS_SECONDS.index(0.25)] = 40
    session.add(
        RequestRollup(
            resolution=RollupResolution.MINUTE,
            bucket_start=start + 5 * MINUTE,
            source=MERGED_SOURCE,
            method="GET",
            route="/test/sla",
            requests=1000,
            errors_4xx=7,
            errors_5xx=2,
            duration_ms_sum=60_000.0,
            duration_ms_max=240.0,
            latency_buckets=buckets,
            bytes_sent=0,
            queries=0,
            slow_queries=0,
        )
    )
    await session.commit()

    report = await sla_service.report(
        session, window=HOUR, now=now, targets=TARGETS, minute_retention=timedelta(days=7)
    )

    assert (report.start, report.end, report.measured_minutes) == (start, end, 60)
    assert report.budget.spent_minutes == pytest.approx(5.25)
    assert report.availability.actual == pytest.approx((60 - 5.25) / 60 * 100)
    assert report.availability.met is False
    assert report.budget.allowed_minutes == pytest.approx(0.6)
    assert report.budget.remaining_minutes == pytest.approx(0.6 - 5.25)
    assert report.budget.remaining_percent == pytest.approx((0.6 - 5.25) / 0.6 * 100)
    assert report.spans == [
        DownSpan(start + 30 * MINUTE, start + 35 * MINUTE, 5.0, "no_probe"),
        DownSpan(failing, failing + MINUTE, 0.25, "probe_failed"),
    ]
    # 2 server errors in 1000 requests (4xx are the clients' mistakes).
    assert report.requests == 1000
    assert report.error_rate.actual == pytest.approx(0.2)
    assert report.error_rate.met is False
    # p95: rank 950 of 960 in (50, 100] ms, interpolated.
    assert report.p95.actual == pytest.approx(50 + 50 * 950 / 960)
    assert report.p95.met is True


async def test_minutes_before_the_first_probe_are_not_counted(session: AsyncSession) -> None:
    now = floor_hour(utcnow()) - 2 * HOUR + timedelta(seconds=5)
    end = now.replace(second=0) - MINUTE
    for minute in minutes_between(end - 10 * MINUTE, end):
        session.add(probes(minute))
    # The merged row of the hour the service started in starts at the hour, before it did.
    hourly = RollupResolution.HOUR
    session.add(probes(floor_hour(end - 10 * MINUTE), resolution=hourly, minutes=10, down=0.0))
    await session.commit()

    report = await sla_service.report(
        session,
        window=timedelta(days=1),
        now=now,
        targets=TARGETS,
        minute_retention=timedelta(days=7),
    )

    assert report.measured_since == end - 10 * MINUTE
    assert report.measured_minutes == 10
    assert (report.budget.spent_minutes, report.availability.actual) == (0, 100.0)
    assert report.availability.met is True
    assert report.budget.allowed_minutes == pytest.approx(0.01 * 24 * 60)
    # No requests: nothing to judge them by.
    assert (report.error_rate.actual, report.error_rate.met, report.p95.met) == (None, None, None)


async def test_hour_rows_count_past_the_minute_retention(session: AsyncSession) -> None:
    hour = floor_hour(utcnow()) - 5 * HOUR
    now = hour + timedelta(minutes=30, seconds=10)
    end = hour + 29 * MINUTE
    start = end - 6 * HOUR  # 31 minutes of hour - 6 are inside
    hourly = RollupResolution.HOUR
    session.add(probes(hour - 7 * HOUR, resolution=hourly, minutes=60, down=0.0))
    session.add(probes(hour - 6 * HOUR, resolution=hourly, minutes=60, down=6.0))
    # hour - 5: no row at all (the service was down); hour - 4: 10 minutes without
    # results and 1.5 down.
    session.add(probes(hour - 4 * HOUR, resolution=hourly, minutes=50, down=1.5))
    session.add(probes(hour - 3 * HOUR, resolution=hourly, minutes=60, down=0.0))
    for minute in minutes_between(hour - 2 * HOUR, end):
        session.add(probes(minute))
    await session.commit()

    report = await sla_service.report(
        session, window=6 * HOUR, now=now, targets=TARGETS, minute_retention=2 * HOUR
    )

    assert report.measured_minutes == 360
    assert report.spans == [
        DownSpan(hour - 4 * HOUR, hour - 3 * HOUR, 11.5, "probe_failed_and_no_probe"),
        DownSpan(hour - 5 * HOUR, hour - 4 * HOUR, 60.0, "no_probe"),
        # Only the share of the hour inside the window.
        DownSpan(start, hour - 5 * HOUR, 6.0 * 31 / 60, "probe_failed"),
    ]
    assert report.budget.spent_minutes == pytest.approx(71.5 + 3.1)


async def test_the_operator_reads_the_sla_and_a_bad_window_is_a_problem(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = await client.get("/monitoring/sla", headers=tenant.admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["window"] == "30d"
    assert body["availability_percent"]["target"] == 99.9
    assert body["error_rate_percent"]["target"] == 0.1
    assert body["p95_ms"]["target"] == 200.0
    assert body["error_budget"]["allowed_minutes"] == pytest.approx(0.001 * 30 * 24 * 60)

    bad = problem(await client.get("/monitoring/sla?window=banana", headers=tenant.admin), 422)
    assert bad["errors"][0]["parameter"] == "window"
    assert "24h" in bad["detail"]
    too_long = problem(await client.get("/monitoring/sla?window=365d", headers=tenant.admin), 422)
    assert "90 days" in too_long["detail"]
    problem(await client.get("/monitoring/sla", headers=other_tenant.admin), 403)
