"""One organization's week of schedule out of a million assignments on PostgreSQL.

Builds a database of its own through the migrations, fills it with 1,000,000 assignments
(200 organizations x 25 analysts x 200 days), then runs the exact query `GET
/api/schedules` issues: its plan (EXPLAIN ANALYZE, BUFFERS) and its median time with
the indexes, side by side with the same query with index scans switched off."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shiftplanner.config import Settings
from shiftplanner.db import create_engine, create_session_factory
from shiftplanner.models import Assignment
from shiftplanner.schedules.repository import AssignmentRepository
from tests.databases import (
    POSTGRES_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
    migrate,
)

DATABASE = "shiftplanner_bench_schedule"
ORGS, ANALYSTS_PER_ORG, DAYS = 200, 25, 200
FIRST_DAY = date(2026, 1, 5)
PAGE = 50
RUNS = 30

FILL = """
INSERT INTO organizations (id, name, slug, timezone, min_rest_hours, max_consecutive_days, created_at, updated_at)
SELECT o, 'Org ' || o, 'org-' || o, 'UTC', 10, 6, now(), now() FROM generate_series(1, :orgs) o;
INSERT INTO teams (id, org_id, name, code, timezone, created_at, updated_at)
SELECT o, o, 'Team', 'T', 'UTC', now(), now() FROM generate_series(1, :orgs) o;
INSERT INTO shift_types (id, org_id, team_id, name, start_time, end_time, days_of_week, required_headcount,
                         screeners_required, is_active, created_at, updated_at)
SELECT (o - 1) * 4 + s, o, o, 'S' || s, make_time(s * 6 - 6, 0, 0), make_time((s * 6) % 24, 0, 0),
       '["mon","tue","wed","thu","fri","sat","sun"]', 1, 0, true, now(), now()
FROM generate_series(1, :orgs) o, generate_series(1, 4) s;
INSERT INTO analysts (id, org_id, team_id, name, email, skills, is_active, preferences, created_at, updated_at)
SELECT (o - 1) * :per_org + a, o, o, 'A' || a, 'a' || a || '@org' || o || '.example.com', '[]', true, '{}', now(), now()
FROM generate_series(1, :orgs) o, generate_series(1, :per_org) a;
INSERT INTO assignments (org_id, analyst_id, shift_type_id, date, is_screener, source, note, version, created_at, updated_at)
SELECT o, (o - 1) * :per_org + a, (o - 1) * 4 + 1 + (a + d) % 4, CAST(:first AS date) + d, false, 'generated', '', 1, now(), now()
FROM generate_series(1, :orgs) o, generate_series(1, :per_org) a, generate_series(0, :days - 1) d;
"""


@dataclass
class Measurement:
    plan: str
    unindexed_plan: str
    indexed_ms: float
    unindexed_ms: float
    rows: int


def schedule_query(session: AsyncSession, org_id: int, start: date, end: date) -> str:
    """The SQL of the API's first page for one organization's week, with its values inlined."""
    query = AssignmentRepository(session).in_range(org_id, start, end)
    query = query.order_by(Assignment.date, Assignment.id).limit(PAGE + 1)
    return str(
        query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )


async def timed(session: AsyncSession, sql: str) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await session.execute(text(sql))
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def measure(console: Console) -> Measurement:
    url = await create_postgres_database(DATABASE)
    try:
        with Progress(console=console, transient=True) as progress:
            step = progress.add_task("migrating", total=3)
            await migrate(url)
            progress.update(
                step,
                advance=1,
                description=f"inserting {ORGS * ANALYSTS_PER_ORG * DAYS:,} assignments",
            )
            filler = create_async_engine(url)
            async with filler.begin() as connection:
                for statement in filter(str.strip, FILL.split(";")):
                    await connection.execute(
                        text(statement),
                        {
                            "orgs": ORGS,
                            "per_org": ANALYSTS_PER_ORG,
                            "days": DAYS,
                            "first": FIRST_DAY,
                        },
                    )
            async with filler.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("VACUUM ANALYZE"))
            await filler.dispose()
            progress.update(step, advance=1, description="querying")
            engine = create_engine(Settings(_env_file=None, database_url=url))
            async with create_session_factory(engine)() as session:
                monday = FIRST_DAY + timedelta(weeks=10)
                sql = schedule_query(
                    session, org_id=ORGS // 2, start=monday, end=monday + timedelta(days=6)
                )
                rows = len((await session.execute(text(sql))).all())
                plan = "\n".join(
                    row[0]
                    for row in await session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                )
                indexed = await timed(session, sql)
                await session.execute(text("SET enable_indexscan = off"))
                await session.execute(text("SET enable_bitmapscan = off"))
                await session.execute(text("SET enable_indexonlyscan = off"))
                # A distinct text: asyncpg caches prepared statements, and a plan prepared
                # before the SETs would keep using the index.
                unindexed_sql = f"/* index scans off */ {sql}"
                unindexed_plan = "\n".join(
                    row[0]
                    for row in await session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                )
                unindexed = await timed(session, unindexed_sql)
            await engine.dispose()
            progress.update(step, advance=1)
        return Measurement(
            plan=plan,
            unindexed_plan=unindexed_plan,
            indexed_ms=indexed,
            unindexed_ms=unindexed,
            rows=rows,
        )
    finally:
        await drop_postgres_database(DATABASE)


def run(console: Console) -> None:
    console.print(
        f"[bold]schedule_query[/bold]: PostgreSQL at {POSTGRES_ADMIN_URL.rsplit('@', 1)[-1]}"
    )
    result = asyncio.run(measure(console))
    console.print(result.plan)
    console.print("[dim]with index scans switched off:[/dim]")
    console.print(result.unindexed_plan)
    table = Table(title=f"GET /api/schedules, one org, one week, first page ({result.rows} rows)")
    table.add_column("plan")
    table.add_column("median ms", justify="right")
    table.add_row("with the (org_id, date, id) index", f"{result.indexed_ms:.2f}")
    table.add_row("index scans switched off", f"{result.unindexed_ms:.2f}")
    table.add_row("ratio (without / with)", f"{result.unindexed_ms / result.indexed_ms:.0f}x")
    console.print(table)
