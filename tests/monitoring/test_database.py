from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from shiftplanner.config import Settings
from shiftplanner.models import Analyst
from shiftplanner.monitoring.database import (
    MAX_STATEMENTS,
    DatabaseMetrics,
    normalise,
    operation_of,
    pg_stat_statements,
)
from shiftplanner.monitoring.recorder import BACKGROUND, RequestQueries, current_queries
from shiftplanner.runtime import Runtime
from tests.conftest import running
from tests.factories import Tenant


def queries_total(operation: str) -> float:
    value = REGISTRY.get_sample_value("shiftplanner_db_queries_total", {"operation": operation})
    return value or 0.0


def slow_total(operation: str) -> float:
    value = REGISTRY.get_sample_value(
        "shiftplanner_db_slow_queries_total", {"operation": operation}
    )
    return value or 0.0


def metrics_of(runtime: Runtime) -> DatabaseMetrics:
    assert runtime.monitoring.measuring is not None
    return runtime.monitoring.measuring.database


def test_normalised_text_is_one_per_statement_shape() -> None:
    assert normalise("SELECT a FROM t WHERE id IN (?, ?, ?)") == normalise(
        "SELECT a FROM t WHERE id IN (?)"
    )
    assert normalise("SELECT a FROM t WHERE id IN ($1, $2, $3) AND b = $4") == (
        "SELECT a FROM t WHERE id IN (...) AND b = ?"
    )
    assert normalise("select *\n  from t where name = 'O''Brien' and n = 42") == (
        "select * from t where name = ? and n = ?"
    )
    assert normalise("INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)") == (
        "INSERT INTO t (a, b) VALUES (...), ..."
    )
    assert normalise("SELECT t1.a FROM t1") == "SELECT t1.a FROM t1"
    assert normalise("SELECT a FROM t WHERE id IN ($1::BIGINT, $2::BIGINT)") == (
        "SELECT a FROM t WHERE id IN (...)"
    )
    assert normalise("UPDATE t SET at = $1::TIMESTAMP WITH TIME ZONE") == "UPDATE t SET at = ?"


def test_operation_is_the_statement_kind() -> None:
    assert operation_of("  SELECT 1") == "select"
    assert operation_of("insert into t values (1)") == "insert"
    assert operation_of("UPDATE t SET a = 1") == "update"
    assert operation_of("DELETE FROM t") == "delete"
    assert operation_of("BEGIN") == "other"
    assert operation_of("WITH x AS (SELECT 1) UPDATE t SET a = (SELECT 2)") == "update"


async def test_statements_count_on_the_request_that_ran_them(
    runtime: Runtime, tenant: Tenant
) -> None:
    """The listeners run in SQLAlchemy's greenlet, yet see the awaiting task's context."""
    before = queries_total("select")

    async def one_request() -> RequestQueries:
        queries = RequestQueries()
        current_queries.set(queries)
        async with runtime.session_factory() as session:
            await session.execute(select(Analyst.id))
            await session.execute(text("SELECT 1"))
            await session.execute(select(Analyst).where(Analyst.org_id == tenant.org.id))
        return queries

    first, second = await asyncio.gather(
        asyncio.create_task(one_request()), asyncio.create_task(one_request())
    )
    assert first.queries == 3
    assert second.queries == 3
    assert queries_total("select") - before >= 6


async def test_statements_outside_requests_go_to_the_background_row(runtime: Runtime) -> None:
    recorder = runtime.recorder
    rows = [key for key in recorder.routes if key[1:] == (BACKGROUND, BACKGROUND)]
    earlier = sum(recorder.routes[key].queries for key in rows)
    async with runtime.session_factory() as session:
        await session.execute(text("SELECT 1"))
    rows = [key for key in recorder.routes if key[1:] == (BACKGROUND, BACKGROUND)]
    assert sum(recorder.routes[key].queries for key in rows) == earlier + 1


async def test_a_request_rollup_carries_its_statements(settings: Settings, tenant: Tenant) -> None:
    async with running(settings) as (app, client):
        runtime: Runtime = app.state.runtime
        response = await client.get("/api/analysts", headers=tenant.admin)
        assert response.status_code == 200
        rows = [
            minute
            for (_, method, route), minute in runtime.recorder.routes.items()
            if (method, route) == ("GET", "/api/analysts")
        ]
    assert sum(row.requests for row in rows) == 1
    assert sum(row.queries for row in rows) >= 1


async def test_slow_statements_counted_against_the_threshold(
    settings: Settings, tenant: Tenant
) -> None:
    everything_slow = settings.model_copy(update={"slow_query_threshold_ms": 0.000001})
    before = slow_total("select")
    async with running(everything_slow) as (app, client):
        runtime: Runtime = app.state.runtime
        assert (await client.get("/api/analysts", headers=tenant.admin)).status_code == 200
        rows = [
            minute
            for (_, method, route), minute in runtime.recorder.routes.items()
            if route == "/api/analysts"
        ]
    assert slow_total("select") > before
    assert sum(row.slow_queries for row in rows) == sum(row.queries for row in rows) >= 1


async def test_slowest_statements_group_in_lists(runtime: Runtime, tenant: Tenant) -> None:
    ids = [analyst.id for analyst in tenant.analysts]
    async with runtime.session_factory() as session:
        for size in (1, 2, 3):
            await session.execute(select(Analyst.name).where(Analyst.id.in_(ids[:size])))
    shapes = [
        s
        for s in metrics_of(runtime).slowest_statements(MAX_STATEMENTS)
        if "analysts.name" in s.text and "IN (...)" in s.text
    ]
    assert len(shapes) == 1
    assert shapes[0].calls == 3
    assert shapes[0].operation == "select"
    assert shapes[0].mean_ms > 0
    assert shapes[0].p95_ms is not None
    assert shapes[0].max_ms is not None
    assert shapes[0].mean_ms <= shapes[0].max_ms


def test_p95_estimate_and_the_bound_on_statements(runtime: Runtime) -> None:
    metrics = DatabaseMetrics(runtime.engine, runtime.recorder, slow_threshold_ms=200)
    for _ in range(95):
        metrics.observe("SELECT fast FROM t", 0.0008)
    for _ in range(5):
        metrics.observe("SELECT fast FROM t", 0.4)
    [figures] = metrics.slowest_statements(1)
    assert figures.calls == 100
    assert figures.p95_ms is not None
    assert 0.5 <= figures.p95_ms <= 1.0  # within the 0.5-1 ms bucket
    assert figures.max_ms == 400.0

    for index in range(MAX_STATEMENTS + 20):
        metrics.observe(f"SELECT c{index} FROM t", 0.001)
    assert len(metrics.statements) == MAX_STATEMENTS
    assert "SELECT fast FROM t" in metrics.statements  # the most called one stays


async def test_pool_state_counts_checked_out_connections(runtime: Runtime) -> None:
    metrics = metrics_of(runtime)
    idle_before = metrics.pool_state()
    async with runtime.engine.connect() as one, runtime.engine.connect() as two:
        await one.execute(text("SELECT 1"))
        await two.execute(text("SELECT 1"))
        held = metrics.update_pool_gauges()
        assert held.active == idle_before.active + 2
        assert REGISTRY.get_sample_value(
            "shiftplanner_database_connections", {"state": "active"}
        ) == float(held.active)
    after = metrics.pool_state()
    assert after.active == idle_before.active
    assert after.idle >= 2
    assert after.size >= 1


# SQLite's engine keeps SQLAlchemy's default pool; the same code counts there.
@pytest.mark.parametrize("backend", ["postgresql"])
async def test_pool_counts_checkouts_waiting_for_a_connection(settings: Settings) -> None:
    small = settings.model_copy(update={"database_pool_size": 1, "database_max_overflow": 0})
    runtime = Runtime.build(small)
    try:
        metrics = metrics_of(runtime)
        async with runtime.engine.connect() as held:
            await held.execute(text("SELECT 1"))

            async def wait_for_one() -> None:
                async with runtime.engine.connect() as second:
                    await second.execute(text("SELECT 1"))

            waiting = asyncio.create_task(wait_for_one())
            for _ in range(100):  # bounded: until the task is inside the pool
                await asyncio.sleep(0.01)
                if metrics.pool_state().waiting:
                    break
            state = metrics.pool_state()
            assert (state.active, state.waiting) == (1, 1)
        await asyncio.wait_for(waiting, 10)
        assert metrics.pool_state().waiting == 0
    finally:
        await runtime.close()


async def test_pg_stat_statements_only_where_the_extension_is(runtime: Runtime) -> None:
    async with runtime.session_factory() as session:
        if runtime.settings.is_sqlite:
            assert await pg_stat_statements(session, 5) is None
            return
        # Installed in the database, but the server does not preload it: querying its
        # view would fail. The answer is "not available", and the session stays usable.
        await session.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        await session.commit()
        preloaded = await session.scalar(text("SELECT current_setting('shared_preload_libraries')"))
    async with runtime.read_session_factory() as read:
        found = await pg_stat_statements(read, 5)
        assert await read.scalar(text("SELECT 1")) == 1
    if "pg_stat_statements" in (preloaded or ""):
        assert found is not None
        assert len(found) <= 5
    else:
        assert found is None


async def test_metrics_off_installs_nothing(settings: Settings) -> None:
    async with running(settings.model_copy(update={"metrics_enabled": False})) as (app, _):
        runtime: Runtime = app.state.runtime
        assert runtime.monitoring.measuring is None
        before = queries_total("select")
        async with runtime.session_factory() as session:
            await session.execute(text("SELECT 1"))
        assert queries_total("select") == before


def test_listener_cost_per_statement(runtime: Runtime) -> None:
    """Not a timed assertion: prints the cost of the bookkeeping per statement, for the
    report (run with -s)."""
    metrics = DatabaseMetrics(runtime.engine, runtime.recorder, slow_threshold_ms=200)
    statement = "SELECT analysts.id, analysts.name FROM analysts WHERE analysts.org_id = ?"
    rounds = 20_000
    started = time.perf_counter()
    for _ in range(rounds):
        metrics.observe(statement, 0.0003)
    per_call_us = (time.perf_counter() - started) / rounds * 1e6
    print(f"\nlistener bookkeeping per statement: {per_call_us:.2f} µs")
    assert metrics.statements[normalise(statement)].calls == rounds


async def test_listeners_see_client_traffic(client: httpx.AsyncClient, tenant: Tenant) -> None:
    before = queries_total("select")
    assert (await client.get("/api/analysts", headers=tenant.admin)).status_code == 200
    assert queries_total("select") > before
