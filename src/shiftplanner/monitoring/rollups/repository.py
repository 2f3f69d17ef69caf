"""Rows of the rollup tables: a process storing its closed minutes, and the reads the
service builds its figures from.

Every write (a process's minutes, the leader's merge) runs under one lock of its own
(`db.serialize`: a transaction advisory lock on PostgreSQL, the write lock on SQLite), so
a row is read and written back without another writer in between: a process adding to
its row never races the leader folding that row away. It is one short transaction per
process a minute, so taking turns costs nothing that matters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from shiftplanner.db import serialize
from shiftplanner.models import AvailabilityCheck, ProcessRollup, RequestRollup
from shiftplanner.models.request_rollup import MERGED_SOURCE, RollupResolution
from shiftplanner.monitoring.recorder import ClosedMinutes, ProbeMinute, ProcessMinute, RouteMinute
from shiftplanner.monitoring.rollups.buckets import HOUR, add_buckets, minute_start

# pg_advisory_xact_lock key serializing the rollup writers and the merge ("SPROLL").
ROLLUP_LOCK = 0x5350_524F_4C4C
ROUTE_LENGTH = 255
METHOD_LENGTH = 16


async def take_turn(session: AsyncSession) -> None:
    """Wait for the other rollup writers of every process; run first in a transaction."""
    await serialize(session, RequestRollup.id, ROLLUP_LOCK)


async def store(session: AsyncSession, source: str, closed: ClosedMinutes) -> None:
    """Add a process's closed minutes to its rows (`source`), creating the rows it does
    not have yet: a minute written twice (given back after a failure, or flushed at
    shutdown) adds up."""
    await take_turn(session)
    await _store_routes(session, source, closed.routes)
    await _store_processes(session, source, closed.processes)
    await _store_probes(session, source, closed.probes)
    await session.flush()


async def _store_routes(
    session: AsyncSession, source: str, routes: dict[tuple[int, str, str], RouteMinute]
) -> None:
    if not routes:
        return
    starts = [minute_start(minute) for minute, _, _ in routes]
    existing = {
        (row.bucket_start, row.method, row.route): row
        for row in await session.scalars(
            select(RequestRollup).where(
                RequestRollup.resolution == RollupResolution.MINUTE,
                RequestRollup.source == source,
                RequestRollup.bucket_start.between(min(starts), max(starts)),
            )
        )
    }
    for (minute, method, route), value in routes.items():
        key = (minute_start(minute), method[:METHOD_LENGTH], route[:ROUTE_LENGTH])
        row = existing.get(key)
        if row is None:
            row = existing[key] = RequestRollup.empty(
                RollupResolution.MINUTE, key[0], source, key[1], key[2]
            )
            session.add(row)
        add_request(row, value)


class RequestCounts(Protocol):
    """What a minute of requests holds: a recorder's minute or another row."""

    @property
    def requests(self) -> int: ...
    @property
    def errors_4xx(self) -> int: ...
    @property
    def errors_5xx(self) -> int: ...
    @property
    def duration_ms_sum(self) -> float: ...
    @property
    def duration_ms_max(self) -> float: ...
    @property
    def latency_buckets(self) -> Sequence[int]: ...
    @property
    def bytes_sent(self) -> int: ...
    @property
    def queries(self) -> int: ...
    @property
    def slow_queries(self) -> int: ...


def add_request(row: RequestRollup, other: RequestCounts) -> None:
    """Counts, sums and buckets add up; the maximum is the larger one."""
    row.requests += other.requests
    row.errors_4xx += other.errors_4xx
    row.errors_5xx += other.errors_5xx
    row.duration_ms_sum += other.duration_ms_sum
    row.duration_ms_max = max(row.duration_ms_max, other.duration_ms_max)
    # A new list, so the ORM sees the change of a JSON value.
    row.latency_buckets = add_buckets(row.latency_buckets, other.latency_buckets)
    row.bytes_sent += other.bytes_sent
    row.queries += other.queries
    row.slow_queries += other.slow_queries


async def _store_processes(
    session: AsyncSession, source: str, processes: dict[int, ProcessMinute]
) -> None:
    if not processes:
        return
    existing = await _rows_by_start(session, ProcessRollup, source, list(processes))
    for minute, value in processes.items():
        start = minute_start(minute)
        row = existing.get(start)
        if row is None:
            row = ProcessRollup.empty(RollupResolution.MINUTE, start, source)
            session.add(row)
        # One process's minute written twice: the average weighs both parts by samples.
        samples = row.samples + value.samples
        if samples:
            row.cpu_percent_avg = (
                row.cpu_percent_avg * row.samples + value.cpu_percent_sum
            ) / samples
        row.samples = samples
        row.cpu_percent_max = max(row.cpu_percent_max, value.cpu_percent_max)
        row.rss_bytes_max = max(row.rss_bytes_max, value.rss_bytes_max)
        row.event_loop_lag_ms_max = max(row.event_loop_lag_ms_max, value.event_loop_lag_ms_max)
        row.gc_pause_ms_sum += value.gc_pause_ms_sum
        row.db_pool_in_use_max = max(row.db_pool_in_use_max, value.db_pool_in_use_max)
        row.db_pool_size = max(row.db_pool_size, value.db_pool_size)
        row.cache_hits += value.cache_hits
        row.cache_misses += value.cache_misses


async def _store_probes(session: AsyncSession, source: str, probes: dict[int, ProbeMinute]) -> None:
    if not probes:
        return
    existing = await _rows_by_start(session, AvailabilityCheck, source, list(probes))
    for minute, value in probes.items():
        start = minute_start(minute)
        row = existing.get(start)
        if row is None:
            row = AvailabilityCheck.minute(start, source)
            session.add(row)
        row.passes += value.passes
        row.failures += value.failures
        row.down_minutes = down_fraction(row.passes, row.failures)


def combine_processes(into: ProcessRollup, other: ProcessRollup) -> None:
    """Two processes' figures of one minute as the service's: counts, CPU, memory and
    the pool add up; lag and the CPU peak are the worst process's."""
    into.samples += other.samples
    into.cpu_percent_avg += other.cpu_percent_avg
    into.cpu_percent_max = max(into.cpu_percent_max, other.cpu_percent_max)
    into.rss_bytes_max += other.rss_bytes_max
    into.event_loop_lag_ms_max = max(into.event_loop_lag_ms_max, other.event_loop_lag_ms_max)
    into.gc_pause_ms_sum += other.gc_pause_ms_sum
    into.db_pool_in_use_max += other.db_pool_in_use_max
    into.db_pool_size += other.db_pool_size
    into.cache_hits += other.cache_hits
    into.cache_misses += other.cache_misses


def down_fraction(passes: int, failures: int) -> float:
    """How much of a minute was down: the share of its probe runs that failed."""
    runs = passes + failures
    return failures / runs if runs else 0.0


_Row = TypeVar("_Row", ProcessRollup, AvailabilityCheck)


async def _rows_by_start(
    session: AsyncSession, model: type[_Row], source: str, minutes: list[int]
) -> dict[datetime, _Row]:
    starts = [minute_start(minute) for minute in minutes]
    rows = await session.scalars(
        select(model).where(
            model.resolution == RollupResolution.MINUTE,
            model.source == source,
            model.bucket_start.between(min(starts), max(starts)),
        )
    )
    return {row.bucket_start: row for row in rows}


# Reading


@dataclass(frozen=True, slots=True)
class Span:
    """Which rows cover [start, end): hour rows for the whole hours inside it (they hold
    everything merged), minute rows for the edges, and, for every minute, the rows
    processes wrote that the leader has not merged yet."""

    start: datetime
    end: datetime
    hours_start: datetime | None = None
    hours_end: datetime | None = None

    def request_filter(self) -> ColumnElement[bool]:
        return _span_filter(RequestRollup, self)


def _span_filter(model: type[RequestRollup], span: Span) -> ColumnElement[bool]:
    minute = model.resolution == RollupResolution.MINUTE
    in_span = and_(model.bucket_start >= span.start, model.bucket_start < span.end)
    if span.hours_start is None or span.hours_end is None:
        return and_(minute, in_span)
    in_hours = and_(model.bucket_start >= span.hours_start, model.bucket_start < span.hours_end)
    return or_(
        and_(model.resolution == RollupResolution.HOUR, model.source == MERGED_SOURCE, in_hours),
        and_(minute, in_span, or_(~in_hours, model.source != MERGED_SOURCE)),
    )


REQUEST_COLUMNS = (
    RequestRollup.bucket_start,
    RequestRollup.method,
    RequestRollup.route,
    RequestRollup.requests,
    RequestRollup.errors_4xx,
    RequestRollup.errors_5xx,
    RequestRollup.duration_ms_sum,
    RequestRollup.duration_ms_max,
    RequestRollup.latency_buckets,
    RequestRollup.bytes_sent,
    RequestRollup.queries,
    RequestRollup.slow_queries,
)


RequestRow = Row[*tuple[Any, ...]]


async def request_rows(
    session: AsyncSession, span: Span, *, route: str | None = None
) -> Sequence[RequestRow]:
    """The request rows covering the span (plain rows, no ORM objects: a long window
    reads many)."""
    query = select(*REQUEST_COLUMNS).where(span.request_filter())
    if route is not None:
        query = query.where(RequestRollup.route == route)
    return (await session.execute(query)).all()


async def process_rows(
    session: AsyncSession, start: datetime, end: datetime
) -> list[ProcessRollup]:
    """Minute rows of every source (merged and not yet merged) in [start, end)."""
    rows = await session.scalars(
        select(ProcessRollup)
        .where(
            ProcessRollup.resolution == RollupResolution.MINUTE,
            ProcessRollup.bucket_start >= start,
            ProcessRollup.bucket_start < end,
        )
        .order_by(ProcessRollup.bucket_start)
    )
    return list(rows)


async def latest_process_minute(session: AsyncSession, before: datetime) -> datetime | None:
    return await session.scalar(
        select(ProcessRollup.bucket_start)
        .where(
            ProcessRollup.resolution == RollupResolution.MINUTE,
            ProcessRollup.bucket_start < before,
        )
        .order_by(ProcessRollup.bucket_start.desc())
        .limit(1)
    )


async def availability_rows(
    session: AsyncSession, resolution: RollupResolution, start: datetime, end: datetime
) -> list[AvailabilityCheck]:
    rows = await session.scalars(
        select(AvailabilityCheck)
        .where(
            AvailabilityCheck.resolution == resolution,
            AvailabilityCheck.bucket_start >= start,
            AvailabilityCheck.bucket_start < end,
        )
        .order_by(AvailabilityCheck.bucket_start)
    )
    return list(rows)


async def first_probe(session: AsyncSession) -> datetime | None:
    """When the oldest probe result still kept was stored: its minute while that hour's
    minute rows are kept (the hour's row starts at the hour, before the service did),
    else the start of the oldest hour row."""

    async def oldest(resolution: RollupResolution) -> datetime | None:
        return await session.scalar(
            select(func.min(AvailabilityCheck.bucket_start)).where(
                AvailabilityCheck.resolution == resolution
            )
        )

    hour, minute = await oldest(RollupResolution.HOUR), await oldest(RollupResolution.MINUTE)
    if minute is not None and (hour is None or minute < hour + HOUR):
        return minute
    return hour
