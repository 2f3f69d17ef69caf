"""Figures over the stored rollups, for the dashboards, the SLA and the alert rules.

Every read adds the rows processes wrote and the leader has not merged yet to the merged
ones, so the last minutes are never missing and nothing is counted twice (a process row
is deleted in the transaction that folds it). Windows are half-open, `[start, end)`, on
minute boundaries; the minute in progress is not stored yet, so callers end windows at
the start of the current minute. Background work's statements (rows without a route)
count in the statement figures, never as requests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import ProcessRollup
from shiftplanner.models.request_rollup import MERGED_SOURCE, RollupResolution
from shiftplanner.monitoring.recorder import BACKGROUND
from shiftplanner.monitoring.rollups import repository
from shiftplanner.monitoring.rollups.buckets import (
    MEBIBYTE,
    MINUTE,
    WRITTEN_AFTER,
    add_buckets,
    ceil_hour,
    empty_buckets,
    floor_hour,
    floor_minute,
    floor_step,
    percent,
    quantile,
    ratio,
)
from shiftplanner.monitoring.rollups.repository import RequestRow, Span, combine_processes

# The figures an alert rule can name (issue 18), with their units.
ALERT_METRICS = (
    "averageResponseTime",  # ms
    "p95ResponseTime",  # ms
    "errorRate",  # % of requests answered 5xx
    "requestRate",  # requests per minute
    "availability",  # % of probe runs that passed
    "cpuUsage",  # % of one core, the service's processes together, mean per minute
    "memoryUsage",  # MB resident, the processes together, mean per minute
    "eventLoopLag",  # ms, the worst process's worst minute
    "slowQueryPercentage",  # % of statements slower than the slow-query threshold
    "cacheMissRate",  # % of response cache lookups that missed
    "dbPoolUtilization",  # % of the pools' connections in use, mean per minute
)


@dataclass(slots=True)
class Totals:
    """Requests summed over some rows."""

    requests: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    duration_ms_sum: float = 0.0
    duration_ms_max: float = 0.0
    latency_buckets: list[int] = field(default_factory=empty_buckets)
    bytes_sent: int = 0
    queries: int = 0
    slow_queries: int = 0

    def add(self, row: RequestRow) -> None:
        self.queries += row.queries
        self.slow_queries += row.slow_queries
        if row.route == BACKGROUND and row.method == BACKGROUND:
            return
        self.requests += row.requests
        self.errors_4xx += row.errors_4xx
        self.errors_5xx += row.errors_5xx
        self.duration_ms_sum += row.duration_ms_sum
        self.duration_ms_max = max(self.duration_ms_max, row.duration_ms_max)
        self.latency_buckets = add_buckets(self.latency_buckets, row.latency_buckets)
        self.bytes_sent += row.bytes_sent

    @property
    def error_rate(self) -> float | None:
        """Percent of requests answered with a server error (5xx)."""
        return percent(self.errors_5xx, self.requests)

    @property
    def client_error_rate(self) -> float | None:
        """Percent of requests refused as the client's mistake (4xx)."""
        return percent(self.errors_4xx, self.requests)

    @property
    def average_ms(self) -> float | None:
        return ratio(self.duration_ms_sum, self.requests)

    @property
    def p50_ms(self) -> float | None:
        return self._quantile(0.5)

    @property
    def p95_ms(self) -> float | None:
        return self._quantile(0.95)

    @property
    def p99_ms(self) -> float | None:
        return self._quantile(0.99)

    def _quantile(self, q: float) -> float | None:
        """Estimated from the buckets like `histogram_quantile`, and never above the
        slowest request, which the rows keep."""
        return quantile(q, self.latency_buckets, slowest=self.duration_ms_max / 1000)

    @property
    def slow_query_percent(self) -> float | None:
        return percent(self.slow_queries, self.queries)


@dataclass(slots=True)
class RouteTotals:
    method: str
    route: str
    totals: Totals


@dataclass(slots=True)
class ProcessPoint:
    """The service's process figures in one minute (its processes together), combined
    as the merge combines them, so merged rows and rows not merged yet add up alike."""

    minute: datetime
    total: ProcessRollup

    @classmethod
    def of(cls, minute: datetime) -> ProcessPoint:
        return cls(minute, ProcessRollup.empty(RollupResolution.MINUTE, minute, MERGED_SOURCE))

    def add(self, row: ProcessRollup) -> None:
        combine_processes(self.total, row)

    @property
    def samples(self) -> int:
        return self.total.samples

    @property
    def cpu_percent(self) -> float:
        return self.total.cpu_percent_avg

    @property
    def cpu_percent_max(self) -> float:
        return self.total.cpu_percent_max

    @property
    def rss_bytes(self) -> int:
        return self.total.rss_bytes_max

    @property
    def event_loop_lag_ms(self) -> float:
        return self.total.event_loop_lag_ms_max

    @property
    def gc_pause_ms(self) -> float:
        return self.total.gc_pause_ms_sum

    @property
    def db_pool_in_use(self) -> int:
        return self.total.db_pool_in_use_max

    @property
    def db_pool_size(self) -> int:
        return self.total.db_pool_size

    @property
    def cache_hits(self) -> int:
        return self.total.cache_hits

    @property
    def cache_misses(self) -> int:
        return self.total.cache_misses

    @property
    def db_pool_utilization(self) -> float | None:
        return percent(self.db_pool_in_use, self.db_pool_size)

    @property
    def cache_miss_rate(self) -> float | None:
        return percent(self.cache_misses, self.cache_hits + self.cache_misses)


@dataclass(slots=True)
class SeriesPoint:
    start: datetime
    totals: Totals


def span(start: datetime, end: datetime, *, hours: bool = True) -> Span:
    """The rows covering [start, end): with `hours`, the hour rows of the whole hours
    inside it (cheaper, and kept for longer than minute rows)."""
    if hours:
        first, last = ceil_hour(start), floor_hour(end)
        if first < last:
            return Span(start, end, first, last)
    return Span(start, end)


async def window(
    session: AsyncSession, *, start: datetime, end: datetime, route: str | None = None
) -> Totals:
    """The requests of [start, end) (of one route template if given)."""
    totals = Totals()
    for row in await repository.request_rows(session, span(start, end), route=route):
        totals.add(row)
    return totals


async def windows(
    session: AsyncSession, *, end: datetime, minutes: Sequence[int]
) -> dict[int, Totals]:
    """The requests of the last N minutes before `end`, for each N, read once."""
    starts = {length: end - length * MINUTE for length in minutes}
    result = {length: Totals() for length in minutes}
    rows = await repository.request_rows(session, span(min(starts.values()), end, hours=False))
    for row in rows:
        for length, start in starts.items():
            if row.bucket_start >= start:
                result[length].add(row)
    return result


async def by_route(session: AsyncSession, *, start: datetime, end: datetime) -> list[RouteTotals]:
    """Each route's requests in [start, end)."""
    routes: dict[tuple[str, str], Totals] = defaultdict(Totals)
    for row in await repository.request_rows(session, span(start, end)):
        if row.route == BACKGROUND and row.method == BACKGROUND:
            continue
        routes[(row.method, row.route)].add(row)
    return [RouteTotals(method, route, totals) for (method, route), totals in routes.items()]


def top_routes(
    routes: Iterable[RouteTotals], *, by: Literal["time", "errors"], limit: int = 10
) -> list[RouteTotals]:
    """The routes that took the most time in total, or answered the most errors
    (server errors first, then client errors); routes without errors are left out of
    the latter."""
    if by == "time":
        ranked = sorted(routes, key=lambda r: (-r.totals.duration_ms_sum, r.route, r.method))
    else:
        ranked = sorted(
            (r for r in routes if r.totals.errors_5xx or r.totals.errors_4xx),
            key=lambda r: (-r.totals.errors_5xx, -r.totals.errors_4xx, r.route, r.method),
        )
    return ranked[:limit]


async def series(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    step: timedelta = MINUTE,
    route: str | None = None,
) -> list[SeriesPoint]:
    """The requests of [start, end) per `step` (whole minutes; from an hour up, whole
    hours, read from the hour rows), steps counted from the epoch, oldest first, for
    charts; steps without requests are left out."""
    hourly = step >= timedelta(hours=1)
    points: dict[datetime, Totals] = defaultdict(Totals)
    for row in await repository.request_rows(session, span(start, end, hours=hourly), route=route):
        points[floor_step(row.bucket_start, step)].add(row)
    return [SeriesPoint(key, points[key]) for key in sorted(points)]


async def process_minutes(
    session: AsyncSession, *, start: datetime, end: datetime
) -> list[ProcessPoint]:
    """The service's process figures per minute of [start, end), oldest first."""
    points: dict[datetime, ProcessPoint] = {}
    for row in await repository.process_rows(session, start, end):
        point = points.get(row.bucket_start)
        if point is None:
            point = points[row.bucket_start] = ProcessPoint.of(row.bucket_start)
        point.add(row)
    return [points[key] for key in sorted(points)]


async def latest_process(session: AsyncSession, *, before: datetime) -> ProcessPoint | None:
    """The process figures of the latest minute stored before `before`."""
    minute = await repository.latest_process_minute(session, before)
    if minute is None:
        return None
    points = await process_minutes(session, start=minute, end=minute + MINUTE)
    return points[0] if points else None


async def probe_minutes(
    session: AsyncSession, *, start: datetime, end: datetime
) -> dict[datetime, tuple[int, int]]:
    """Probe passes and failures per minute of [start, end), every process together."""
    minutes: dict[datetime, tuple[int, int]] = {}
    for row in await repository.availability_rows(session, RollupResolution.MINUTE, start, end):
        passes, failures = minutes.get(row.bucket_start, (0, 0))
        minutes[row.bucket_start] = (passes + row.passes, failures + row.failures)
    return minutes


async def probe_hours(
    session: AsyncSession, *, start: datetime, end: datetime
) -> dict[datetime, tuple[int, float]]:
    """Per merged hour row in [start, end): the minutes that had probe results and how
    many of them were down (the SLA's accounting after minute rows are pruned)."""
    return {
        row.bucket_start: (row.minutes, row.down_minutes)
        for row in await repository.availability_rows(session, RollupResolution.HOUR, start, end)
    }


async def first_probe(session: AsyncSession) -> datetime | None:
    """When the service's first probe result still kept was stored (bucket start)."""
    return await repository.first_probe(session)


async def alert_metrics(
    session: AsyncSession, *, end: datetime, minutes: int
) -> dict[str, float | None]:
    """The named figures alert rules evaluate (`ALERT_METRICS`) over the last `minutes`
    that are stored by `end`: those before it, rounded down to a minute, less the minute
    just ended until every process has written it (`WRITTEN_AFTER`), which would
    otherwise read as a sudden quiet minute. None where there is no data. Availability
    here is over the probe runs stored: a minute without any (the writer is a minute
    behind) is not held against it, unlike the SLA's accounting."""
    end = floor_minute(end - WRITTEN_AFTER)
    start = end - minutes * MINUTE
    totals = (await windows(session, end=end, minutes=[minutes]))[minutes]
    process = await process_minutes(session, start=start, end=end)
    probes = (await probe_minutes(session, start=start, end=end)).values()
    passes = sum(p for p, _ in probes)
    runs = passes + sum(f for _, f in probes)
    pools = [u for u in (p.db_pool_utilization for p in process) if u is not None]
    hits = sum(p.cache_hits for p in process)
    misses = sum(p.cache_misses for p in process)
    sampled = [p for p in process if p.samples]
    return {
        "averageResponseTime": totals.average_ms,
        "p95ResponseTime": totals.p95_ms,
        "errorRate": totals.error_rate,
        "requestRate": totals.requests / minutes if minutes > 0 else None,
        "availability": percent(passes, runs),
        "cpuUsage": _mean(p.cpu_percent for p in sampled),
        "memoryUsage": _mean(p.rss_bytes / MEBIBYTE for p in sampled),
        "eventLoopLag": max((p.event_loop_lag_ms for p in sampled), default=None),
        "slowQueryPercentage": totals.slow_query_percent,
        "cacheMissRate": percent(misses, hits + misses),
        "dbPoolUtilization": _mean(pools),
    }


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None
