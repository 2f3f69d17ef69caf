"""This process's measurements, summed per wall-clock minute until the rollup writer
stores them (`monitoring.rollups`): requests per route, the statements they ran, process
samples, cache lookups and the availability probe's results.

Recording is a dictionary update on the event loop, a few microseconds, with no lock:
everything here runs on the loop's thread. A request's statements are counted on the
`RequestQueries` of its context, so that its rollup row carries them."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from shiftplanner.monitoring.metrics import LATENCY_BUCKETS_SECONDS

# Rows of work outside any request (background jobs) carry this method and route.
BACKGROUND = ""


def current_minute() -> int:
    """Minutes since the epoch, UTC."""
    return int(time.time() // 60)


@dataclass(slots=True)
class RequestQueries:
    """The statements one request (or background job) ran, counted by the database
    instrumentation."""

    queries: int = 0
    slow_queries: int = 0


current_queries: ContextVar[RequestQueries | None] = ContextVar("current_queries", default=None)


@dataclass(slots=True)
class RouteMinute:
    requests: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    duration_ms_sum: float = 0.0
    duration_ms_max: float = 0.0
    # Non-cumulative, one per bound of LATENCY_BUCKETS_SECONDS plus the overflow.
    latency_buckets: list[int] = field(
        default_factory=lambda: [0] * (len(LATENCY_BUCKETS_SECONDS) + 1)
    )
    bytes_sent: int = 0
    queries: int = 0
    slow_queries: int = 0


@dataclass(slots=True)
class ProcessMinute:
    samples: int = 0
    cpu_percent_sum: float = 0.0
    cpu_percent_max: float = 0.0
    rss_bytes_max: int = 0
    event_loop_lag_ms_max: float = 0.0
    gc_pause_ms_sum: float = 0.0
    db_pool_in_use_max: int = 0
    db_pool_size: int = 0
    cache_hits: int = 0
    cache_misses: int = 0


@dataclass(slots=True)
class ProbeMinute:
    passes: int = 0
    failures: int = 0


@dataclass(slots=True)
class ClosedMinutes:
    """What the writer takes: every minute before the current one."""

    routes: dict[tuple[int, str, str], RouteMinute]
    processes: dict[int, ProcessMinute]
    probes: dict[int, ProbeMinute]

    def __bool__(self) -> bool:
        return bool(self.routes or self.processes or self.probes)


class Recorder:
    def __init__(self, clock: Callable[[], int] = current_minute) -> None:
        # The current minute; tests pass their own to record into minutes of their choice.
        self.clock = clock
        self.routes: dict[tuple[int, str, str], RouteMinute] = {}
        self.processes: dict[int, ProcessMinute] = {}
        self.probes: dict[int, ProbeMinute] = {}

    def request(
        self,
        method: str,
        route: str,
        status: int,
        duration_seconds: float,
        size: int,
        queries: RequestQueries | None = None,
    ) -> None:
        key = (self.clock(), method, route)
        minute = self.routes.get(key)
        if minute is None:
            minute = self.routes[key] = RouteMinute()
        minute.requests += 1
        if status >= 500:
            minute.errors_5xx += 1
        elif status >= 400:
            minute.errors_4xx += 1
        duration_ms = duration_seconds * 1000
        minute.duration_ms_sum += duration_ms
        if duration_ms > minute.duration_ms_max:
            minute.duration_ms_max = duration_ms
        # bisect_left: a request of exactly a bound's length falls in that bound's bucket
        # (Prometheus's `le`).
        minute.latency_buckets[bisect.bisect_left(LATENCY_BUCKETS_SECONDS, duration_seconds)] += 1
        minute.bytes_sent += size
        if queries is not None:
            minute.queries += queries.queries
            minute.slow_queries += queries.slow_queries

    def background_queries(self, queries: int, slow_queries: int) -> None:
        """Statements run outside a request."""
        key = (self.clock(), BACKGROUND, BACKGROUND)
        minute = self.routes.get(key)
        if minute is None:
            minute = self.routes[key] = RouteMinute()
        minute.queries += queries
        minute.slow_queries += slow_queries

    def process_sample(
        self,
        *,
        cpu_percent: float,
        rss_bytes: int,
        event_loop_lag_ms: float,
        gc_pause_ms: float,
        db_pool_in_use: int,
        db_pool_size: int,
    ) -> None:
        minute = self._process_minute()
        minute.samples += 1
        minute.cpu_percent_sum += cpu_percent
        minute.cpu_percent_max = max(minute.cpu_percent_max, cpu_percent)
        minute.rss_bytes_max = max(minute.rss_bytes_max, rss_bytes)
        minute.event_loop_lag_ms_max = max(minute.event_loop_lag_ms_max, event_loop_lag_ms)
        minute.gc_pause_ms_sum += gc_pause_ms
        minute.db_pool_in_use_max = max(minute.db_pool_in_use_max, db_pool_in_use)
        minute.db_pool_size = max(minute.db_pool_size, db_pool_size)

    def cache_lookup(self, *, hit: bool) -> None:
        minute = self._process_minute()
        if hit:
            minute.cache_hits += 1
        else:
            minute.cache_misses += 1

    def probe(self, *, passed: bool) -> None:
        now = self.clock()
        minute = self.probes.get(now)
        if minute is None:
            minute = self.probes[now] = ProbeMinute()
        if passed:
            minute.passes += 1
        else:
            minute.failures += 1

    def take_closed(self, *, everything: bool = False) -> ClosedMinutes:
        """Remove and return the minutes that are over (all of them at shutdown)."""
        limit = self.clock() + (1 if everything else 0)
        routes = {key: value for key, value in self.routes.items() if key[0] < limit}
        processes = {key: value for key, value in self.processes.items() if key < limit}
        probes = {key: value for key, value in self.probes.items() if key < limit}
        for key in routes:
            del self.routes[key]
        for minute in processes:
            del self.processes[minute]
        for minute in probes:
            del self.probes[minute]
        return ClosedMinutes(routes, processes, probes)

    def give_back(self, closed: ClosedMinutes) -> None:
        """Put minutes the writer could not store back, merged with what came since, so
        that a database outage loses nothing that fits in memory."""
        for key, route in closed.routes.items():
            mine = self.routes.setdefault(key, RouteMinute())
            _add_route(mine, route)
        for minute, process in closed.processes.items():
            self.processes.setdefault(minute, ProcessMinute())
            _add_process(self.processes[minute], process)
        for minute, probe in closed.probes.items():
            mine_probe = self.probes.setdefault(minute, ProbeMinute())
            mine_probe.passes += probe.passes
            mine_probe.failures += probe.failures

    def _process_minute(self) -> ProcessMinute:
        now = self.clock()
        minute = self.processes.get(now)
        if minute is None:
            minute = self.processes[now] = ProcessMinute()
        return minute


def _add_route(into: RouteMinute, other: RouteMinute) -> None:
    into.requests += other.requests
    into.errors_4xx += other.errors_4xx
    into.errors_5xx += other.errors_5xx
    into.duration_ms_sum += other.duration_ms_sum
    into.duration_ms_max = max(into.duration_ms_max, other.duration_ms_max)
    into.latency_buckets = [
        a + b for a, b in zip(into.latency_buckets, other.latency_buckets, strict=True)
    ]
    into.bytes_sent += other.bytes_sent
    into.queries += other.queries
    into.slow_queries += other.slow_queries


def _add_process(into: ProcessMinute, other: ProcessMinute) -> None:
    into.samples += other.samples
    into.cpu_percent_sum += other.cpu_percent_sum
    into.cpu_percent_max = max(into.cpu_percent_max, other.cpu_percent_max)
    into.rss_bytes_max = max(into.rss_bytes_max, other.rss_bytes_max)
    into.event_loop_lag_ms_max = max(into.event_loop_lag_ms_max, other.event_loop_lag_ms_max)
    into.gc_pause_ms_sum += other.gc_pause_ms_sum
    into.db_pool_in_use_max = max(into.db_pool_in_use_max, other.db_pool_in_use_max)
    into.db_pool_size = max(into.db_pool_size, other.db_pool_size)
    into.cache_hits += other.cache_hits
    into.cache_misses += other.cache_misses
