"""`GET /monitoring/metrics/series`: the stored rollups step by step over a window, for
the operations page's charts; the operator only."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from shiftplanner.kit.time import utcnow
from shiftplanner.monitoring.rollups.buckets import MINUTE, floor_minute
from shiftplanner.monitoring.rollups.series import step_for
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import Tenant
from tests.monitoring.rollups.processes import Process, run_merge

ROUTE = "/test/series/{thing_id}"
WEEK = timedelta(days=7)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("window", "step"),
    [
        (timedelta(hours=1), timedelta(minutes=1)),
        (timedelta(hours=6), timedelta(minutes=5)),
        (timedelta(hours=24), timedelta(minutes=15)),
        (timedelta(days=7), timedelta(hours=1)),
        (timedelta(days=30), timedelta(hours=6)),
        (timedelta(days=90), timedelta(days=1)),
    ],
)
def test_the_step_keeps_a_window_within_two_hundred_points(
    window: timedelta, step: timedelta
) -> None:
    assert step_for(window, WEEK) == step


def test_past_the_minute_retention_steps_are_whole_hours() -> None:
    assert step_for(timedelta(hours=36), timedelta(days=1)) == timedelta(hours=1)
    assert step_for(timedelta(hours=36), WEEK) == timedelta(minutes=15)


async def test_each_step_of_the_window_with_rate_errors_and_percentiles(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    now = utcnow()
    recent = floor_minute(now) - 3 * MINUTE
    earlier = floor_minute(now) - 40 * MINUTE
    process = Process(runtime, "test:series").at(recent)
    for _ in range(9):
        process.recorder.request("GET", ROUTE, 200, 0.02, 100)
    process.recorder.request("GET", ROUTE, 500, 0.3, 100)
    await process.flush()
    process.at(earlier)
    for _ in range(4):
        process.recorder.request("GET", ROUTE, 200, 0.01, 100)
    await process.flush()
    await run_merge(runtime, now)

    hour = await client.get("/monitoring/metrics/series", headers=tenant.admin)

    assert hour.status_code == 200, hour.text
    body = hour.json()
    assert (body["window"], body["step_seconds"]) == ("1h", 60)
    assert body["end"] == iso(floor_minute(now))
    assert len(body["points"]) == 60
    points = {point["start"]: point for point in body["points"]}
    at_recent = points[iso(recent)]
    assert (at_recent["requests"], at_recent["request_rate_per_minute"]) == (10, 10.0)
    assert at_recent["error_rate_percent"] == pytest.approx(10.0)
    assert at_recent["p99_ms"] >= at_recent["p95_ms"] >= at_recent["p50_ms"] > 0
    assert points[iso(earlier)]["requests"] == 4
    quiet = points[iso(earlier + MINUTE)]
    assert (quiet["requests"], quiet["error_rate_percent"], quiet["p50_ms"]) == (0, None, None)

    six = (
        await client.get(
            "/monitoring/metrics/series", params={"window": "6h"}, headers=tenant.admin
        )
    ).json()
    assert six["step_seconds"] == 300
    assert 72 <= len(six["points"]) <= 73
    assert sum(p["requests"] for p in six["points"]) >= 14
    full = next(p for p in six["points"] if p["requests"] == 4)
    assert full["request_rate_per_minute"] == pytest.approx(4 / 5)

    week = (
        await client.get(
            "/monitoring/metrics/series", params={"window": "7d"}, headers=tenant.admin
        )
    ).json()
    assert week["step_seconds"] == 3600
    assert 168 <= len(week["points"]) <= 169
    assert sum(p["requests"] for p in week["points"]) >= 14


async def test_a_bad_window_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for window in ("soon", "0h", "91d"):
        response = await client.get(
            "/monitoring/metrics/series", params={"window": window}, headers=tenant.admin
        )
        body = problem(response, 422)
        assert window in body["detail"]


async def test_others_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    problem(await client.get("/monitoring/metrics/series", headers=other_tenant.admin), 403)
    problem(await client.get("/monitoring/metrics/series"), 401)
