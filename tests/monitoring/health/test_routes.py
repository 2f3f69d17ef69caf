from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from shiftplanner.config import Settings
from shiftplanner.monitoring.health.service import is_ready, readiness
from shiftplanner.runtime import Runtime
from tests.conftest import make_settings, running
from tests.factories import Tenant
from tests.redis_server import eventually, free_port, listening, start_redis
from tests.subprocesses import stop
from tests.tcp_proxy import TcpProxy

HEALTH = "/monitoring/health"
LOOPBACK = ["127.0.0.1/32"]


def statuses(body: dict[str, Any]) -> dict[str, list[str]]:
    return {
        name: [entry["status"] for entry in entries] for name, entries in body["checks"].items()
    }


async def test_readiness_reports_every_check(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(HEALTH, headers=tenant.admin)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/health+json"
    body = response.json()
    assert body["status"] in ("pass", "warn")
    assert body["serviceId"] == "shiftplanner"
    assert body["releaseId"]
    assert set(body["checks"]) == {
        "database:responseTime",
        "disk:utilization",
        "memory:utilization",
        "workers:lag",
    }
    [database] = body["checks"]["database:responseTime"]
    assert database["status"] == "pass"
    assert database["observedUnit"] == "ms"
    assert database["observedValue"] >= 0
    assert database["time"]
    # The test settings switch both workers off: reported as such, not as failing.
    workers = {entry["componentId"]: entry for entry in body["checks"]["workers:lag"]}
    assert set(workers) == {"outbox-dispatcher", "generation-runner"}
    assert all(entry["status"] == "pass" for entry in workers.values())
    assert all(entry["output"] == "disabled in this process" for entry in workers.values())


async def test_only_the_operator_reads_it(client: httpx.AsyncClient, tenant: Tenant) -> None:
    assert (await client.get(HEALTH)).status_code == 401
    assert (await client.get(HEALTH, headers=tenant.manager)).status_code == 403


async def test_running_workers_report_their_lag(settings: Settings, tenant: Tenant) -> None:
    enabled = settings.model_copy(
        update={"dispatcher_enabled": True, "generation_runner_enabled": True}
    )
    async with running(enabled) as (_, client):
        body = (await client.get(HEALTH, headers=tenant.admin)).json()

    workers = {entry["componentId"]: entry for entry in body["checks"]["workers:lag"]}
    for entry in workers.values():
        assert entry["status"] == "pass"
        assert entry["observedUnit"] == "s"
        assert 0 <= entry["observedValue"] < enabled.readiness_worker_lag_warn_seconds


async def test_disk_thresholds_come_from_the_settings(
    settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    warn = settings.model_copy(
        update={"data_dir": tmp_path / "not-yet", "readiness_disk_warn_percent": 0.001}
    )
    async with running(warn) as (_, client):
        response = await client.get(HEALTH, headers=tenant.admin)
    assert response.status_code == 200
    [disk] = response.json()["checks"]["disk:utilization"]
    assert disk["status"] == "warn"
    assert disk["componentId"] == str(tmp_path)  # the nearest directory that exists

    fail = warn.model_copy(update={"readiness_disk_fail_percent": 0.002})
    async with running(fail) as (_, client):
        response = await client.get(HEALTH, headers=tenant.admin)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert statuses(body)["disk:utilization"] == ["fail"]
    assert statuses(body)["database:responseTime"] == ["pass"]


async def test_redis_stopped_then_started(settings: Settings, tenant: Tenant) -> None:
    port = free_port()
    server = start_redis(port)
    try:
        assert await eventually(lambda: listening(port), 10)
        with_redis = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
        async with running(with_redis) as (app, client):
            runtime: Runtime = app.state.runtime
            first = await client.get(HEALTH, headers=tenant.admin)
            assert first.status_code == 200
            assert statuses(first.json())["redis:responseTime"] == ["pass"]

            stop(server)
            down = await client.get(HEALTH, headers=tenant.admin)
            assert down.status_code == 503
            assert statuses(down.json())["redis:responseTime"] == ["fail"]
            assert statuses(down.json())["database:responseTime"] == ["pass"]
            assert not await is_ready(runtime)

            server = start_redis(port)
            assert await eventually(lambda: listening(port), 10)
            assert await eventually(lambda: is_ready(runtime), 10)
            again = await client.get(HEALTH, headers=tenant.admin)
            assert again.status_code == 200
            assert statuses(again.json())["redis:responseTime"] == ["pass"]
    finally:
        stop(server)


# SQLite is a file: there is no server to be unreachable.
@pytest.mark.parametrize("backend", ["postgresql"])
async def test_postgresql_unreachable_then_back(database_url: str, tenant: Tenant) -> None:
    """Through a proxy of the test's own: the shared PostgreSQL is never stopped. The
    readiness check answers an allowed network without the database; liveness stays up."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.open()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = make_settings(proxied, metrics_allowed_networks=LOOPBACK)
    try:
        async with running(settings) as (app, client):
            runtime: Runtime = app.state.runtime
            # A client outside the allowed networks, which must show credentials.
            outside = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=("192.0.2.10", 50000)),
                base_url="http://testserver",
            )
            assert (await client.get(HEALTH)).status_code == 200
            assert (await outside.get(HEALTH, headers=tenant.admin)).status_code == 200

            await proxy.close()
            down = await client.get(HEALTH)
            assert down.status_code == 503
            assert down.headers["content-type"] == "application/health+json"
            body = down.json()
            assert body["status"] == "fail"
            [database] = body["checks"]["database:responseTime"]
            assert database["status"] == "fail"
            assert database["output"]
            assert {"disk:utilization", "memory:utilization", "workers:lag"} <= set(body["checks"])
            assert (await client.get("/health")).status_code == 200
            # An operator's token cannot be checked without the database: not ready.
            refused = await outside.get(HEALTH, headers=tenant.admin)
            assert refused.status_code == 503
            assert refused.headers["content-type"] == "application/problem+json"
            assert (await readiness(runtime)).status == "fail"

            await proxy.open()
            assert await eventually(lambda: is_ready(runtime), 10)
            assert (await client.get(HEALTH)).status_code == 200
            assert (await outside.get(HEALTH, headers=tenant.admin)).status_code == 200
            assert (await client.get("/health")).status_code == 200
            await outside.aclose()
    finally:
        await proxy.close()
