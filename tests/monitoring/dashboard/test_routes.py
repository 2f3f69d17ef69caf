"""`/monitoring/performance` and `/monitoring/dashboard` over real traffic: the routes
by their templates with their percentiles, the statements they ran, and one document
with every part an operations page shows."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.monitoring.recorder import current_minute
from shiftplanner.runtime import Runtime
from tests.alerting.support import T0, cpu, evaluate, make_rule
from tests.assertions import problem
from tests.conftest import make_settings, running
from tests.factories import Tenant


async def store_minutes(runtime: Runtime) -> None:
    """What the rollup writer does after each minute, now."""
    assert runtime.monitoring.measuring is not None
    assert await runtime.monitoring.measuring.rollups.writer.flush(everything=True)


async def test_performance_lists_routes_by_template_and_the_statements_they_ran(
    database_url: str, tenant: Tenant
) -> None:
    # Every request counts as slow here (p95 above 0.01 ms).
    settings = make_settings(database_url, slow_request_threshold_ms=0.01)
    async with running(settings) as (app, client):
        runtime: Runtime = app.state.runtime
        # Windows end at the start of the current minute (it is not over for every
        # process yet): these requests are recorded as two minutes ago.
        runtime.recorder.clock = lambda: current_minute() - 2
        for _ in range(4):
            answer = await client.get(f"/api/teams/{tenant.team.id}", headers=tenant.admin)
            assert answer.status_code == 200
        await store_minutes(runtime)
        report = (
            await client.get("/monitoring/performance?window=15m", headers=tenant.admin)
        ).json()
    assert report["window"] == "15m"
    assert report["thresholds"] == {"slow_request_ms": 0.01, "slow_query_ms": 200.0}
    [team] = [r for r in report["routes"] if r["route"] == "/api/teams/{team_id}"]
    assert (team["method"], team["requests"], team["error_rate_percent"]) == ("GET", 4, 0.0)
    assert 0 < team["p50_ms"] <= team["p95_ms"] <= team["p99_ms"]
    assert team["queries_per_request"] > 0
    assert team["slow"] is True
    assert team in report["slowest_routes"]
    # Raw paths never appear, only templates.
    assert all("{" in r["route"] or not r["route"][-1].isdigit() for r in report["routes"])
    assert report["statements_source"] in ("process", "pg_stat_statements")
    statements = report["slowest_statements"]
    assert statements
    assert all(s["calls"] >= 1 and s["mean_ms"] >= 0 for s in statements)
    assert all("'" not in s["text"] or s["operation"] == "other" for s in statements)


async def test_performance_refuses_a_window_it_cannot_read(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    bad = problem(
        await client.get("/monitoring/performance?window=soon", headers=tenant.admin), 422
    )
    assert bad["errors"][0]["parameter"] == "window"


async def test_the_dashboard_has_every_part(
    client: httpx.AsyncClient,
    runtime: Runtime,
    session: AsyncSession,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    assert (await client.get("/api/teams", headers=tenant.admin)).status_code == 200
    await store_minutes(runtime)
    # A firing alert of the operator's organization, and one of another organization.
    for org in (tenant.org, other_tenant.org):
        await make_rule(session, org)
    await cpu(runtime, T0, 95)
    await evaluate(runtime, T0)
    response = await client.get("/monitoring/dashboard", headers=tenant.admin)
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["readiness"]["status"] in ("pass", "warn")
    assert "database:responseTime" in board["readiness"]["checks"]
    assert [w["minutes"] for w in board["metrics"]["windows"]] == [1, 5, 15, 60]
    assert len(board["series"]) == 60
    assert board["sla"]["window"] == "30d"
    assert board["performance"]["window"] == "60m"
    assert board["recent_errors"] == []
    assert board["cache"]["enabled"] is True
    assert board["generation"] == {
        "queued": 0,
        "running": 0,
        "by_status": dict.fromkeys(board["generation"]["by_status"], 0),
    }
    [alert] = board["open_alerts"]
    assert (alert["ruleName"], alert["status"]) == ("CPU high 80", "firing")
    assert [recent["id"] for recent in board["recent_alerts"]] == [alert["id"]]
    problem(await client.get("/monitoring/dashboard", headers=other_tenant.admin), 403)
