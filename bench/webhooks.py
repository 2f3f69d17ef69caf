"""Webhook delivery on the running service, on SQLite and PostgreSQL: the two figures
the webhooks issue sets goals for, with a local receiver on this machine.

**Throughput** (goal ≥ 500 deliveries/s on this 2-core machine, receiver included). The
service (`shiftplanner serve`, webhooks on) with 1 unordered, 1 ordered and 4 unordered
endpoints subscribed to `analyst.updated`; a burst of `BENCH_WEBHOOK_EVENTS` (2,000)
events written into the outbox in one transaction, as a bulk write does (each the body
of a real analyst, as the API shows it). Each set of endpoints runs twice:
- queued: the endpoints are held (their lease taken, as another sender's would be) until
  the dispatcher has queued every delivery, then let go: the sender alone, from a full
  queue (as after an outage).
- burst: nothing held: the dispatcher queues while the sender sends, as in production.
Deliveries/s = deliveries succeeded ÷ (last attempt's start − first attempt's start), from
`webhook_attempts`; from the burst's commit, "queued" runs to the last delivery the
dispatcher queued, and "done" to the last arrival at the receiver.

The receiver (`bench/webhook_receiver.py`) runs in a process of its own and answers 200 at
once. Its ceiling under wrk comes first, and that of the sender's HTTP client alone (the
client the sender builds, signing as it signs, without a database).

**Latency** (goal p95 < 1 s): one endpoint (ordered, the default) subscribed to
`team.created`; `BENCH_WEBHOOK_LATENCY_EVENTS` (200) teams created one at a time through
the API, 0.1 s apart. Latency = arrival at the receiver − the event's `occurred_at` (set
as the change is flushed, just before its commit), and − the moment the client had its
201; split into outbox → delivery queued (dispatcher), queued → attempt (sender), attempt
→ arrival (HTTP).

Bounded: every wait ends after `BENCH_WEBHOOK_SECONDS` (240). `BENCH_BACKENDS=sqlite` (or
`postgresql`) measures one backend. `BENCH_WEBHOOK_PROFILE=1` records the service with
py-spy (`bench/profiling.py`) while the sender drains the 4-endpoint queue alone and while
a burst goes to the 1 unordered endpoint, and says where the time went."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bench import profiling, webhook_receiver
from bench.load import servers, wrk
from bench.load.results import RESULTS, write_report
from bench.webhook_receiver import CEILING_SECONDS
from shiftplanner.events import DomainEvent, EventType, emit
from shiftplanner.models import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)
from tests.databases import create_postgres_database, drop_postgres_database

PG_DATABASE = "shiftplanner_bench_webhooks"
GOAL_PER_SECOND = 500
GOAL_P95_MS = 1000
# (name, endpoints, ordered)
SETS = (("1 unordered", 1, False), ("1 ordered", 1, True), ("4 unordered", 4, False))
SPACING_SECONDS = 0.1
HELD_UNTIL = datetime(2999, 1, 1, tzinfo=UTC)
PROFILED = {
    ("4 unordered", "queued"): "sender alone",
    ("1 unordered", "burst"): "dispatcher and sender",
}


def events() -> int:
    return int(os.environ.get("BENCH_WEBHOOK_EVENTS", "2000"))


def latency_events() -> int:
    return int(os.environ.get("BENCH_WEBHOOK_LATENCY_EVENTS", "200"))


def deadline_seconds() -> float:
    return float(os.environ.get("BENCH_WEBHOOK_SECONDS", "240"))


# What is measured.


@dataclass
class Throughput:
    backend: str
    endpoints: str
    mode: str
    expected: int
    succeeded: int = 0
    attempts: int = 0
    first_to_last_s: float = 0.0
    commit_to_queued_s: float = 0.0  # the dispatcher's part
    commit_to_done_s: float = 0.0
    received: int = 0
    duplicates: int = 0
    finished: bool = False

    @property
    def per_second(self) -> float:
        return self.succeeded / self.first_to_last_s if self.first_to_last_s else 0.0

    def cells(self) -> list[str]:
        succeeded = f"{self.succeeded:,}" + ("" if self.finished else f" of {self.expected:,}")
        return [
            *(self.backend, self.endpoints, self.mode, succeeded),
            *(f"{self.first_to_last_s:.2f}", f"{self.per_second:,.0f}"),
            *(f"{self.commit_to_queued_s:.1f}", f"{self.commit_to_done_s:.1f}"),
            str(self.duplicates),
        ]


@dataclass
class Latency:
    backend: str
    # name → milliseconds, one per event
    series: dict[str, list[float]] = field(default_factory=dict)
    missing: int = 0


@dataclass
class Backend:
    backend: str
    throughput: list[Throughput] = field(default_factory=list)
    latency: Latency | None = None
    profile: list[str] = field(default_factory=list)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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


class Bench:
    """One backend's measurements against its served app, receiver and database."""

    def __init__(
        self,
        backend: str,
        server: servers.Server,
        authorization: str,
        receiver_url: str,
        engine: AsyncEngine,
        console: Console,
    ) -> None:
        self.result = Backend(backend)
        self.server_pid = server.pid
        self.console = console
        self.receiver_url = receiver_url
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.api = httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": authorization}, timeout=30
        )
        self.receiver = httpx.AsyncClient(base_url=receiver_url, timeout=30)
        self.arrivals: list[tuple[float, str, str]] = []

    async def ok(self, response: Awaitable[httpx.Response]) -> Any:
        answer = await response
        if answer.status_code >= 400:
            raise RuntimeError(f"{answer.request.method} {answer.request.url}: {answer.text}")
        return answer.json() if answer.content else None

    async def fetch_arrivals(self) -> list[tuple[float, str, str]]:
        more = await self.ok(self.receiver.get("/arrivals", params={"from": len(self.arrivals)}))
        self.arrivals += [(at, path, webhook_id) for at, path, webhook_id in more]
        return self.arrivals

    async def subscribe(self, path: str, events: list[str], *, ordered: bool) -> int:
        body = {"name": path, "url": self.receiver_url + path, "events": events, "ordered": ordered}
        endpoint: dict[str, Any] = await self.ok(self.api.post("/monitoring/webhooks", json=body))
        return int(endpoint["id"])

    async def statuses(self, ids: list[int]) -> Counter[WebhookDeliveryStatus]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(WebhookDelivery.status, func.count())
                .where(WebhookDelivery.endpoint_id.in_(ids))
                .group_by(WebhookDelivery.status)
            )
            return Counter({status: int(count) for status, count in rows})

    async def hold(self, ids: list[int], until: datetime | None) -> None:
        """Take the endpoints' lease (as another sender would), or give it back."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id.in_(ids))
                .values(claimed_until=until, updated_at=WebhookEndpoint.updated_at)
            )

    async def wait(
        self, label: str, ids: list[int], target: int, count: Callable[[Counter[Any]], int]
    ) -> bool:
        """Show `count` of the endpoints' deliveries growing to `target`; False if the
        deadline came first."""
        columns = (*Progress.get_default_columns()[:2], MofNCompleteColumn(), TimeElapsedColumn())
        deadline = time.monotonic() + deadline_seconds()
        with Progress(*columns, console=self.console, transient=True) as progress:
            task = progress.add_task(label, total=target)
            while time.monotonic() < deadline:
                done = count(await self.statuses(ids))
                progress.update(task, completed=done)
                if done >= target:
                    return True
                await asyncio.sleep(0.5)
        self.console.print(f"  [red]{label}: not done within {deadline_seconds():g} s[/red]")
        return False

    async def burst(self, org_id: int, analysts: list[dict[str, Any]], count: int) -> float:
        """`count` analyst.updated events in one transaction; the time of its commit."""
        async with self.sessions() as session:
            for index in range(count):
                analyst = analysts[index % len(analysts)]
                emit(
                    session,
                    DomainEvent(
                        type=EventType.ANALYST_UPDATED,
                        org_id=org_id,
                        resource_type="analyst",
                        resource_id=analyst["id"],
                        data=analyst,
                        changes={"notes": {"old": None, "new": f"webhook bench {index}"}},
                    ),
                )
            await session.commit()
        return time.time()

    async def throughput(
        self, name: str, size: int, ordered: bool, mode: str, analysts: list[dict[str, Any]]
    ) -> Throughput:
        backend = self.result.backend
        prefix = f"/{backend}/{name.replace(' ', '-')}/{mode}"
        ids = [
            await self.subscribe(f"{prefix}/{n}", [EventType.ANALYST_UPDATED], ordered=ordered)
            for n in range(size)
        ]
        row = Throughput(backend, name, mode, expected=size * events())
        held = mode == "queued"
        if held:
            await self.hold(ids, HELD_UNTIL)
        committed = await self.burst(analysts[0]["org_id"], analysts, events())
        if held:
            queued = await self.wait(f"{name}: queueing", ids, row.expected, lambda c: c.total())
            await self.hold(ids, None)
            if not queued:
                return row
        async with self.profiled(name, mode):
            row.finished = await self.wait(
                f"{name}, {mode}: sending",
                ids,
                row.expected,
                lambda c: c[WebhookDeliveryStatus.SUCCEEDED] + c[WebhookDeliveryStatus.FAILED],
            )
        async with self.sessions() as session:
            row.attempts, row.succeeded, first, last = (
                await session.execute(
                    select(
                        func.count(),
                        func.count().filter(WebhookAttempt.succeeded.is_(True)),
                        func.min(WebhookAttempt.started_at),
                        func.max(WebhookAttempt.started_at),
                    )
                    .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
                    .where(WebhookDelivery.endpoint_id.in_(ids))
                )
            ).one()
            queued_at = await session.scalar(
                select(func.max(WebhookDelivery.created_at)).where(
                    WebhookDelivery.endpoint_id.in_(ids)
                )
            )
        if queued_at is not None:
            row.commit_to_queued_s = _aware(queued_at).timestamp() - committed
        if first is not None:
            row.first_to_last_s = (_aware(last) - _aware(first)).total_seconds()
        mine = [a for a in await self.fetch_arrivals() if a[1].startswith(prefix + "/")]
        row.received = len(mine)
        row.duplicates = len(mine) - len({(path, webhook_id) for _, path, webhook_id in mine})
        row.commit_to_done_s = max((at for at, _, _ in mine), default=committed) - committed
        for endpoint_id in ids:
            await self.ok(self.api.delete(f"/monitoring/webhooks/{endpoint_id}"))
        self.console.print(
            f"  {backend} {name}, {mode}: {row.succeeded:,}/{row.expected:,} succeeded, "
            f"{row.per_second:,.0f}/s first → last attempt, "
            f"{row.commit_to_done_s:.1f} s commit → done; {row.received:,} received"
        )
        return row

    @asynccontextmanager
    async def profiled(self, name: str, mode: str) -> AsyncIterator[None]:
        """py-spy on the service (BENCH_WEBHOOK_PROFILE=1) while the sender drains the
        4-endpoint queue alone, and while a burst goes through the dispatcher and the
        sender to the 1 unordered endpoint."""
        phase = PROFILED.get((name, mode))
        if phase is None or os.environ.get("BENCH_WEBHOOK_PROFILE") != "1":
            yield
            return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        raw = RESULTS / f"webhooks-{self.result.backend}-{mode}-{stamp}.txt"
        lines: list[str] = []
        async with profiling.recorded(self.server_pid, raw, lines):
            yield
        self.result.profile += [f"{phase}: {line}" for line in lines]

    async def latency(self) -> Latency:
        backend = self.result.backend
        path = f"/{backend}/latency"
        endpoint_id = await self.subscribe(path, [EventType.TEAM_CREATED], ordered=True)
        answered: dict[int, float] = {}  # team id → when the client had its 201
        count = latency_events()
        columns = (*Progress.get_default_columns()[:2], MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console, transient=True) as progress:
            task = progress.add_task("latency: teams created one at a time", total=count)
            stamp = int(time.time())
            for index in range(count):
                team = await self.ok(
                    self.api.post(
                        "/api/teams",
                        json={
                            "name": f"Webhook bench {stamp} {index}",
                            "code": f"W{stamp % 100000}{index}"[:16],
                            "timezone": "UTC",
                        },
                    )
                )
                answered[int(team["id"])] = time.time()
                progress.update(task, completed=index + 1)
                await asyncio.sleep(SPACING_SECONDS)
        await self.wait(
            "latency: delivering",
            [endpoint_id],
            count,
            lambda c: c[WebhookDeliveryStatus.SUCCEEDED] + c[WebhookDeliveryStatus.FAILED],
        )
        arrived: dict[str, float] = {}
        for at, arrival_path, webhook_id in await self.fetch_arrivals():
            if arrival_path == path:
                arrived.setdefault(webhook_id, at)
        async with self.sessions() as session:
            rows = await session.execute(
                select(
                    OutboxEvent.resource_id,
                    OutboxEvent.occurred_at,
                    WebhookDelivery.created_at,
                    WebhookDelivery.first_attempt_at,
                    WebhookDelivery.message_id,
                )
                .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
                .where(WebhookDelivery.endpoint_id == endpoint_id)
            )
            delivered = list(rows)
        # Events without a delivery, or a delivery without an arrival.
        result = Latency(backend, missing=count - len(delivered))
        series = result.series
        for team_id, occurred, queued, attempted, message_id in delivered:
            arrival = arrived.get(f"msg_{message_id}")
            if arrival is None or attempted is None or team_id is None or team_id not in answered:
                result.missing += 1
                continue
            occurred_s, queued_s = _aware(occurred).timestamp(), _aware(queued).timestamp()
            attempted_s = _aware(attempted).timestamp()
            for name, value in (
                ("occurred_at → arrival", arrival - occurred_s),
                ("201 → arrival", arrival - answered[team_id]),
                ("outbox → delivery queued", queued_s - occurred_s),
                ("queued → attempt", attempted_s - queued_s),
                ("attempt → arrival", arrival - attempted_s),
            ):
                series.setdefault(name, []).append(value * 1000)
        await self.ok(self.api.delete(f"/monitoring/webhooks/{endpoint_id}"))
        return result


async def _measure(
    backend: str,
    server: servers.Server,
    authorization: str,
    database_url: str,
    receiver_url: str,
    console: Console,
) -> Backend:
    engine = create_async_engine(database_url)
    bench = Bench(backend, server, authorization, receiver_url, engine, console)
    try:
        analysts = (await bench.ok(bench.api.get("/api/analysts", params={"limit": 500})))["items"]
        for name, size, ordered in SETS:
            for mode in ("queued", "burst"):
                row = await bench.throughput(name, size, ordered, mode, analysts)
                bench.result.throughput.append(row)
        console.print(f"[bold]{backend}[/]: latency, {latency_events()} events")
        bench.result.latency = await bench.latency()
    finally:
        await bench.api.aclose()
        await bench.receiver.aclose()
        await engine.dispose()
    return bench.result


def measure(backend: str, receiver_url: str, console: Console) -> Backend:
    with tempfile.TemporaryDirectory() as folder, database(backend, Path(folder)) as url:
        env = servers.service_env(
            url,
            Path(folder),
            # Plain http to this machine is for development only.
            SHIFTPLANNER_ENV="development",
            SHIFTPLANNER_CACHE_WARM_UP="false",
        )
        console.print(f"[bold]{backend}[/]: seeding the demo")
        servers.seed(env)
        with servers.service(env, Path(folder) / "service.log") as server:
            left = servers.wait_until_quiet(url)
            console.print(f"[bold]{backend}[/]: served (pid {server.pid}), {left} events left")
            admin = servers.sign_in(server.url)
            return asyncio.run(_measure(backend, server, admin, url, receiver_url, console))


def _table(title: str, columns: Sequence[str], rows: list[list[str]], *, left: int) -> Table:
    """Its first `left` columns are labels, the rest figures."""
    table = Table(title=title)
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index < left else "right")
    for row in rows:
        table.add_row(*row)
    return table


def tables(results: list[Backend], ceilings: dict[str, list[str]], load: float) -> list[Table]:
    receiver = _table(
        f"Ceilings: the receiver under wrk (16 connections, {CEILING_SECONDS} s) and the "
        f"sender's HTTP client alone (load average {load:.1f} when they ran)",
        ("what", "req/s", "p50 ms", "p99 ms", "errors"),
        [[name, *cells] for name, cells in ceilings.items()],
        left=1,
    )
    throughput = _table(
        f"Deliveries per second: {events():,} events × endpoints (goal ≥ {GOAL_PER_SECOND}/s)",
        (
            "backend",
            "endpoints",
            "mode",
            "succeeded",
            "span s",
            "per s",
            "queued s",
            "done s",
            "dup",
        ),
        [row.cells() for result in results for row in result.throughput],
        left=3,
    )
    latency = _table(
        f"Commit → first attempt: {latency_events()} teams created {SPACING_SECONDS:g} s apart "
        f"(goal p95 < {GOAL_P95_MS} ms)",
        ("backend", "span", "events", "p50 ms", "p95 ms", "max ms"),
        [
            [result.backend, span, _counted(len(values), result.latency.missing)]
            + [f"{percentile(values, q):.0f}" for q in (50, 95, 100)]
            for result in results
            if result.latency is not None
            for span, values in result.latency.series.items()
        ],
        left=2,
    )
    shown = [receiver, throughput, latency]
    profiles = [f"{r.backend}, {line}" for r in results for line in r.profile]
    if profiles:
        shown.append(
            _table(
                "Where the service's time went (py-spy)",
                ("",),
                [[line] for line in profiles],
                left=1,
            )
        )
    return shown


def _counted(values: int, missing: int) -> str:
    return f"{values} ({missing} missing)" if missing else str(values)


def run(console: Console) -> None:
    if not wrk.available():
        console.print("[yellow]webhooks needs wrk (apt-get install wrk); skipped[/yellow]")
        return
    backends = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
    load = os.getloadavg()[0]
    console.print(f"load average before the run: {load:.1f} (2 cores are shared)")
    with (
        tempfile.TemporaryDirectory() as folder,
        webhook_receiver.serve(Path(folder) / "receiver.log") as url,
    ):
        ceilings = webhook_receiver.ceilings(url, Path(folder), console)
        results = [measure(backend, url, console) for backend in backends]
    shown = tables(results, ceilings, load)
    # Wider than a pipe's 80 columns: the tables are read in logs too.
    wide = console if console.is_terminal else Console(width=120)
    for table in shown[:3]:
        wide.print(table)
    for result in results:
        for line in result.profile:
            console.print(f"{result.backend}, {line}", highlight=False)
    write_report("webhooks", *shown)
