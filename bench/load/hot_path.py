"""The hot path: an authenticated read against a bare FastAPI endpoint serving the same
body, in one run, on SQLite and PostgreSQL.

For each backend: a database seeded with the demo, the service in one process, the bare
app in another; wrk then loads each endpoint in turn (`BENCH_SECONDS`, default 10, at
`BENCH_CONNECTIONS`, default 16) and the table gives requests per second, latency
percentiles and the ratio to the bare endpoint."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench.load import servers, wrk
from bench.load.results import write_report
from tests.databases import create_postgres_database, drop_postgres_database

PG_DATABASE = "shiftplanner_bench_http"


@dataclass(frozen=True, slots=True)
class Row:
    backend: str
    endpoint: str
    load: wrk.Load
    bare: float  # req/s of the bare endpoint in the same run

    @property
    def ratio(self) -> float:
        return self.load.per_second / self.bare if self.bare else 0.0


def seconds() -> int:
    return int(os.environ.get("BENCH_SECONDS", "10"))


def connections() -> int:
    return int(os.environ.get("BENCH_CONNECTIONS", "16"))


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        return
    url = asyncio.run(create_postgres_database(PG_DATABASE))
    try:
        yield url
    finally:
        asyncio.run(drop_postgres_database(PG_DATABASE))


def this_week() -> tuple[date, date]:
    monday = date.today() - timedelta(days=date.today().weekday())
    return monday, monday + timedelta(days=6)


# Each configuration of the service: response cache on or off, instrumentation (metrics
# and rollups) on or off. On and off alternate, `rounds()` times each, and every
# endpoint's runs are pooled: the cost of measuring is a few percent, less than one run's
# noise on this machine, so it is read from neighbouring, repeated runs.
OFF = " (instrumentation off)"


def rounds() -> int:
    return int(os.environ.get("BENCH_ROUNDS", "2"))


def configurations() -> list[tuple[bool, bool]]:
    """On, off, then off, on (and so on): the database settles as the runs go (its
    caches warm, autovacuum runs after the seeding), which would favour whichever
    always came second."""
    return [
        (cached, on)
        for cached in (False, True)
        for turn in range(rounds())
        for on in ((True, False) if turn % 2 == 0 else (False, True))
    ]


def measure(backend: str, console: Console, extra_env: dict[str, str] | None = None) -> list[Row]:
    """The bare endpoint, then the service without its response cache and with it, each
    with its instrumentation on and off."""
    rows: list[Row] = []
    runs: dict[str, list[wrk.Load]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as tmp,
        database(backend, Path(tmp)) as url,
    ):
        folder = Path(tmp)
        env = servers.service_env(url, folder / "data", **(extra_env or {}))
        console.print(f"[dim]{backend}: seeding the demo[/dim]")
        servers.seed(env)
        baseline: wrk.Load | None = None
        for cached, instrumented in configurations():
            run_env = {
                **env,
                "SHIFTPLANNER_CACHE_ENABLED": str(cached).lower(),
                "SHIFTPLANNER_METRICS_ENABLED": str(instrumented).lower(),
            }
            log = folder / f"service-{cached}-{instrumented}.log"
            with servers.service(run_env, log) as service:
                servers.wait_until_quiet(url)
                token = servers.sign_in(service.url)
                week = week_path(service.url, token)
                if baseline is None:
                    body = httpx.get(service.url + week, headers={"Authorization": token})
                    body.raise_for_status()
                    (folder / "week.json").write_text(body.text)
                    console.print(f"[dim]{backend}: {len(body.content)} byte week body[/dim]")
                    with servers.bare(folder / "week.json", folder / "bare.log") as bare:
                        baseline = load(f"{bare.url}/bare")
                    rows.append(
                        Row(backend, "bare FastAPI, same body", baseline, baseline.per_second)
                    )
                suffix = "" if instrumented else OFF
                label = "cached" if cached else "uncached"
                endpoints = [(f"week read, {label}", week)]
                if not cached:
                    endpoints[:0] = [
                        ("GET /health", "/health"),
                        ("GET /api/auth/me", "/api/auth/me"),
                    ]
                for name, path in endpoints:
                    console.print(f"[dim]{backend}: {name}{suffix}[/dim]")
                    runs.setdefault(name + suffix, []).append(load(service.url + path, token))
    assert baseline is not None
    for name, loads in runs.items():
        rows.append(Row(backend, name, wrk.Load.pooled(loads), baseline.per_second))
    return rows


def instrumentation_cost(rows: list[Row]) -> Table:
    """Requests per second with the instrumentation on over off, endpoint by endpoint."""
    shown = Table(title="Instrumentation cost: req/s with metrics and rollups on ÷ off")
    for column in ("backend", "endpoint", "on req/s", "off req/s", "on ÷ off"):
        shown.add_column(column, justify="left" if column in ("backend", "endpoint") else "right")
    off = {(row.backend, row.endpoint): row for row in rows if row.endpoint.endswith(OFF)}
    for row in rows:
        twin = off.get((row.backend, row.endpoint + OFF))
        if twin is None:
            continue
        ratio = row.load.per_second / twin.load.per_second if twin.load.per_second else 0.0
        shown.add_row(
            row.backend,
            row.endpoint,
            f"{row.load.per_second:,.0f}",
            f"{twin.load.per_second:,.0f}",
            f"{ratio:.2f}",
        )
    return shown


def week_path(url: str, token: str) -> str:
    headers = {"Authorization": token}
    team = httpx.get(f"{url}/api/teams", headers=headers).json()["items"][0]
    first, last = this_week()
    return f"/api/schedules?start={first}&end={last}&team_id={team['id']}&limit=500"


def load(url: str, token: str | None = None) -> wrk.Load:
    return wrk.run(url, seconds=seconds(), connections=connections(), authorization=token)


def table(rows: list[Row]) -> Table:
    shown = Table(
        title=f"Hot path: wrk, {connections()} connections, {seconds()} s each, "
        f"the service's endpoints {rounds()} times (pooled)"
    )
    for column in ("backend", "endpoint", "req/s", "× bare", "p50 ms", "p95 ms", "p99 ms"):
        shown.add_column(column, justify="left" if column in ("backend", "endpoint") else "right")
    shown.add_column("errors", justify="right")
    for row in rows:
        shown.add_row(
            row.backend,
            row.endpoint,
            f"{row.load.per_second:,.0f}",
            f"{row.ratio:.2f}",
            f"{row.load.p50_ms:.1f}",
            f"{row.load.p95_ms:.1f}",
            f"{row.load.p99_ms:.1f}",
            str(row.load.errors),
        )
    return shown


def run(console: Console) -> None:
    if not wrk.available():
        console.print("[yellow]hot_path needs wrk (apt-get install wrk); skipped[/yellow]")
        return
    rows = [row for backend in ("sqlite", "postgresql") for row in measure(backend, console)]
    shown, cost = table(rows), instrumentation_cost(rows)
    console.print(shown)
    console.print(cost)
    write_report("hot_path", shown, cost)
