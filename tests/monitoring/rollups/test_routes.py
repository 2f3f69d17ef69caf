"""`GET /monitoring/metrics`: the figures of the stored rollups, for the operator only."""

from __future__ import annotations

import httpx
import pytest

from shiftplanner.kit.time import utcnow
from shiftplanner.monitoring.rollups.buckets import MINUTE, floor_minute
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import Tenant
from tests.monitoring.rollups.processes import Process, run_merge

ROUTE = "/test/metrics/{thing_id}"


async def test_the_operator_reads_rates_percentiles_routes_and_process(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    now = utcnow()
    minute = floor_minute(now) - 2 * MINUTE
    process = Process(runtime, "test:metrics").at(minute)
    for _ in range(18):
        process.recorder.request("GET", ROUTE, 200, 0.02, 100)
    process.recorder.request("GET", ROUTE, 500, 0.4, 100)
    process.recorder.request("POST", "/test/metrics", 422, 0.003, 100)
    process.sample(cpu=25.0, rss=200 * 1024 * 1024, lag=3.0, in_use=2)
    await process.flush()
    await run_merge(runtime, now)

    response = await client.get("/monitoring/metrics", headers=tenant.admin)

    assert response.status_code == 200, response.text
    body = response.json()
    windows = {window["minutes"]: window for window in body["windows"]}
    assert sorted(windows) == [1, 5, 15, 60]
    five = windows[5]
    assert five["requests"] >= 20
    assert five["request_rate_per_minute"] == five["requests"] / 5
    assert five["p50_ms"] is not None
    assert 10 <= five["p50_ms"] <= 25
    assert five["p99_ms"] >= five["p95_ms"] >= five["p50_ms"]
    assert windows[60]["requests"] >= five["requests"]
    [by_time] = [r for r in body["top_routes_by_time"] if r["route"] == ROUTE]
    assert (by_time["method"], by_time["requests"], by_time["errors_5xx"]) == ("GET", 19, 1)
    assert by_time["total_ms"] == pytest.approx(18 * 20 + 400)
    assert by_time["max_ms"] == pytest.approx(400)
    errors = [(r["method"], r["route"]) for r in body["top_routes_by_errors"]]
    # Server errors rank before client errors.
    assert errors.index(("GET", ROUTE)) < errors.index(("POST", "/test/metrics"))
    assert body["process"]["cpu_percent"] >= 25.0
    assert body["process"]["rss_mb"] >= 200


async def test_others_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    # An organization's admin is not the platform operator.
    response = await client.get("/monitoring/metrics", headers=other_tenant.admin)
    problem(response, 403)
    problem(await client.get("/monitoring/metrics"), 401)
