"""The product documents' scale and load scenarios, on SQLite and PostgreSQL.

For each backend: a database of its own filled by `bench.load.data` (50 organizations,
1,000,000 assignments; `BENCH_ORGANIZATIONS`, `BENCH_ASSIGNMENTS`), the service in one
process, and beside it the bare FastAPI app serving the same week's body
(`BENCH_BACKENDS=sqlite` for one of them). Then:

1. wrk: one team's week, uncached (the cache off) at 8 connections and cached at 16,
   each against the bare endpoint at the same concurrency (`BENCH_SECONDS`, default 10).
2. Locust, closed loop (no pauses) at `BENCH_SCENARIO_USERS` (16) users for
   `BENCH_SCENARIO_SECONDS` (15): browse, filter, edit, approve, generate; and the bare
   endpoint under the same Locust load, for the ratio.
3. Locust, the mixed day: `BENCH_MIXED_USERS` (500) users, each with its own connection
   and a pause of about `BENCH_MIXED_WAIT` (1) s between actions, for
   `BENCH_MIXED_SECONDS` (60).

The service's resident memory is sampled through each run (psutil); the table shows
the peak. The load generators share the machine with the service: on 2 cores, Locust
takes most of one, which caps what the bare endpoint shows under it."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from rich.console import Console
from rich.table import Table

from bench.load import data, servers, wrk
from bench.load.hot_path import database
from bench.load.results import write_report
from shiftplanner.models import Role

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SCENARIOS = ("browse", "filter", "edit", "approve", "generate")


def setting(name: str, default: int) -> int:
    return int(os.environ.get(f"BENCH_{name}", str(default)))


@dataclass(frozen=True, slots=True)
class Result:
    backend: str
    scenario: str
    tool: str
    users: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int
    bare_per_second: float
    peak_rss_mb: float
    # What failed, as Locust grouped it: "<count>× <method> <name>: <error>".
    failures: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        return self.per_second / self.bare_per_second if self.bare_per_second else 0.0


class MemoryWatch:
    """The peak resident memory of a process (and its children) while it runs."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return

    def __enter__(self) -> MemoryWatch:
        self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def this_monday() -> date:
    today = date.today()
    return today - timedelta(days=today.weekday())


def plan(url: str, dataset: data.Dataset, folder: Path) -> Path:
    """Sign in a manager and a viewer of every organization; note their ids to use."""
    organizations: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for org in range(1, dataset.organizations + 1):
            tokens = {}
            for role in (Role.MANAGER, Role.VIEWER):
                signed = client.post(
                    "/api/auth/login",
                    json={"email": data.Dataset.email(org, role), "password": data.PASSWORD},
                )
                signed.raise_for_status()
                tokens[role.value] = f"Bearer {signed.json()['access_token']}"
            headers = {"Authorization": tokens["viewer"]}

            def ids(path: str, headers: dict[str, str] = headers) -> list[int]:
                listed = client.get(path, params={"limit": 500}, headers=headers)
                listed.raise_for_status()
                return [item["id"] for item in listed.json()["items"]]

            organizations.append(
                {
                    "tokens": tokens,
                    "teams": ids("/api/teams"),
                    "analysts": ids("/api/analysts"),
                    "shift_types": ids("/api/shift-types"),
                }
            )
    path = folder / "plan.json"
    path.write_text(
        json.dumps({"monday": this_monday().isoformat(), "organizations": organizations})
    )
    return path


def locust(
    host: str, user_class: str, users: int, seconds: int, wait: float, plan_file: Path, out: Path
) -> dict[str, Any]:
    """One headless Locust run (bounded by `seconds`); the aggregated row of its stats."""
    prefix = out / f"locust-{user_class}"
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["--host", host, "-u", str(users), "-r", str(max(users // 5, 1))]
    command += ["-t", f"{seconds}s", "--stop-timeout", "5", "--csv", str(prefix)]
    command += ["--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    command += [user_class]
    env = {**os.environ, "BENCH_PLAN": str(plan_file), "BENCH_WAIT": str(wait)}
    ran = subprocess.run(  # noqa: S603 (our own command)
        command, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if ran.returncode != 0:
        raise RuntimeError(
            f"Locust ({user_class}) ended with {ran.returncode}:\n{ran.stderr[-3000:]}"
        )
    with Path(f"{prefix}_stats.csv").open() as stats:
        aggregated = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    with Path(f"{prefix}_failures.csv").open() as failures:
        aggregated["failures"] = tuple(
            f"{row['Occurrences']}× {row['Method']} {row['Name']}: {row['Error']}"
            for row in csv.DictReader(failures)
        )
    return aggregated


def locust_result(
    backend: str, scenario: str, users: int, row: dict[str, Any], bare: float, rss: float
) -> Result:
    return Result(
        backend=backend,
        scenario=scenario,
        tool="locust",
        users=users,
        per_second=float(row["Requests/s"]),
        p50_ms=float(row["50%"]),
        p95_ms=float(row["95%"]),
        p99_ms=float(row["99%"]),
        requests=int(row["Request Count"]),
        errors=int(row["Failure Count"]),
        bare_per_second=bare,
        peak_rss_mb=rss,
        failures=row["failures"],
    )


def wrk_result(
    backend: str, scenario: str, connections: int, load: wrk.Load, bare: wrk.Load, rss: float
) -> Result:
    return Result(
        backend=backend,
        scenario=scenario,
        tool="wrk",
        users=connections,
        per_second=load.per_second,
        p50_ms=load.p50_ms,
        p95_ms=load.p95_ms,
        p99_ms=load.p99_ms,
        requests=load.requests,
        errors=load.errors + load.non2xx,
        bare_per_second=bare.per_second,
        peak_rss_mb=rss,
    )


@contextmanager
def generated(backend: str, console: Console) -> Iterator[tuple[str, data.Dataset, Path]]:
    scale = data.Scale(setting("ORGANIZATIONS", 50), setting("ASSIGNMENTS", 1_000_000))
    with (
        tempfile.TemporaryDirectory(prefix="bench-scenarios-") as tmp,
        database(backend, Path(tmp)) as url,
    ):
        console.print(f"[dim]{backend}: generating {scale.total_assignments:,} assignments[/dim]")
        dataset = asyncio.run(data.generate_with_progress(url, scale))
        yield url, dataset, Path(tmp)


def measure(backend: str, console: Console) -> list[Result]:
    results: list[Result] = []
    seconds = setting("SECONDS", 10)
    with generated(backend, console) as (url, dataset, folder):
        env = servers.service_env(url, folder / "data")
        # 1. wrk, one team's week: without the cache, then with it.
        for cached, connections in ((False, 8), (True, 16)):
            run_env = {**env, "SHIFTPLANNER_CACHE_ENABLED": str(cached).lower()}
            with servers.service(run_env, folder / f"service-{cached}.log") as service:
                signed = httpx.post(
                    f"{service.url}/api/auth/login",
                    json={"email": data.Dataset.email(1, Role.VIEWER), "password": data.PASSWORD},
                    timeout=60,
                )
                signed.raise_for_status()
                token = f"Bearer {signed.json()['access_token']}"
                first = this_monday()
                week = (
                    f"{service.url}/api/schedules?start={first}&end={first + timedelta(days=6)}"
                    "&team_id=1&limit=500"
                )
                body = httpx.get(week, headers={"Authorization": token}, timeout=60)
                body.raise_for_status()
                (folder / "week.json").write_text(body.text)
                with servers.bare(folder / "week.json", folder / "bare.log") as bare:
                    baseline = wrk.run(f"{bare.url}/bare", seconds=seconds, connections=connections)
                label = f"week read ({len(body.content):,} B), {'cached' if cached else 'uncached'}"
                console.print(f"[dim]{backend}: {label}[/dim]")
                with MemoryWatch(service.pid) as memory:
                    load = wrk.run(
                        week, seconds=seconds, connections=connections, authorization=token
                    )
                results.append(
                    wrk_result(backend, label, connections, load, baseline, memory.peak_mb)
                )
        # 2. and 3. Locust, with the cache on and the generation runner working.
        run_env = {**env, "SHIFTPLANNER_GENERATION_RUNNER_ENABLED": "true"}
        with servers.service(run_env, folder / "service-locust.log") as service:
            plan_file = plan(service.url, dataset, folder)
            users, scenario_seconds = setting("SCENARIO_USERS", 16), setting("SCENARIO_SECONDS", 15)
            with servers.bare(folder / "week.json", folder / "bare-locust.log") as bare:
                console.print(f"[dim]{backend}: the bare endpoint under Locust[/dim]")
                bare_row = locust(
                    bare.url, "BareUser", users, scenario_seconds, 0, plan_file, folder
                )
            bare_rate = float(bare_row["Requests/s"])
            for scenario in SCENARIOS:
                console.print(f"[dim]{backend}: {scenario}[/dim]")
                with MemoryWatch(service.pid) as memory:
                    row = locust(
                        service.url,
                        f"{scenario.title()}User",
                        users,
                        scenario_seconds,
                        0,
                        plan_file,
                        folder,
                    )
                results.append(
                    locust_result(backend, scenario, users, row, bare_rate, memory.peak_mb)
                )
            mixed_users, mixed_seconds = setting("MIXED_USERS", 500), setting("MIXED_SECONDS", 60)
            wait = float(os.environ.get("BENCH_MIXED_WAIT", "1"))
            console.print(f"[dim]{backend}: mixed, {mixed_users} users[/dim]")
            with MemoryWatch(service.pid) as memory:
                row = locust(
                    service.url, "MixedUser", mixed_users, mixed_seconds, wait, plan_file, folder
                )
            results.append(
                locust_result(backend, "mixed day", mixed_users, row, 0.0, memory.peak_mb)
            )
    return results


def table(results: list[Result]) -> Table:
    shown = Table(title="Load scenarios over the generated data (ratio: to the bare endpoint)")
    headers = ("backend", "scenario", "tool", "users", "req/s", "× bare", "p50 ms", "p95 ms")
    for column in (*headers, "p99 ms", "requests", "errors", "peak RSS MB"):
        shown.add_column(column, justify="left" if column in headers[:3] else "right")
    for result in results:
        shown.add_row(
            result.backend,
            result.scenario,
            result.tool,
            str(result.users),
            f"{result.per_second:,.0f}",
            f"{result.ratio:.2f}" if result.bare_per_second else "–",
            f"{result.p50_ms:.0f}" if result.tool == "locust" else f"{result.p50_ms:.1f}",
            f"{result.p95_ms:.0f}" if result.tool == "locust" else f"{result.p95_ms:.1f}",
            f"{result.p99_ms:.0f}" if result.tool == "locust" else f"{result.p99_ms:.1f}",
            f"{result.requests:,}",
            str(result.errors),
            f"{result.peak_rss_mb:.0f}",
        )
    return shown


def run(console: Console) -> None:
    if not wrk.available():
        console.print("[yellow]scenarios needs wrk (apt-get install wrk); skipped[/yellow]")
        return
    backends = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
    results = [result for backend in backends for result in measure(backend, console)]
    shown = table(results)
    console.print(shown)
    failed = Table(title="What failed (Locust's grouping)")
    for column in ("backend", "scenario", "failure"):
        failed.add_column(column)
    for result in results:
        for failure in result.failures:
            failed.add_row(result.backend, result.scenario, failure)
    if failed.row_count:
        console.print(failed)
    write_report("scenarios", shown, *([failed] if failed.row_count else []))
