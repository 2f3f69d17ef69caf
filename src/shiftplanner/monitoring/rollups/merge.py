"""The leader's merge and prune: every process's minute rows folded into the service's
(`MERGED_SOURCE`) minute and hour rows, and rows past their retention deleted.

Folding moves a process row: in one transaction (taken in turn with every writer, see
`repository`) its figures are added to the merged rows and the row is deleted. A row
is therefore counted exactly once however late it arrives (a process giving back
minutes after a database outage, a shutdown flush, a replica whose clock lags): the
next merge folds it into the minute and hour it belongs to. Running the merge twice, or
after a crash in the middle (the transaction rolled back), changes nothing. Readers add
the rows not folded yet to the merged ones, so the last minutes are never missing.

How processes combine into the service's figures for a minute:
- requests: counts, byte and statement sums and latency buckets add up; the maximum
  duration is the largest;
- process: CPU (`cpu_percent_avg`, in percent of one core) and memory (`rss_bytes_max`)
  add up, since the service uses what its processes use together; the database pools'
  connections in use and sizes add up (each process has its own pool); event-loop lag and
  `cpu_percent_max` are the worst process's; GC pause time, samples and cache lookups
  add up;
- availability: probe passes and failures add up; the minute is down by the share of
  runs that failed.

Hour rows of requests are folded the same way (sums and maxima are exact at any grain).
Hour rows of process figures and availability are recomputed from the merged minute rows
of each hour a merge touched: CPU and memory are then the hour's mean of the per-minute
service figures, maxima the largest, and availability keeps how many minutes had results
and how many were down (the SLA's accounting once minute rows are gone)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from shiftplanner.logging import get_logger
from shiftplanner.models import AvailabilityCheck, ProcessRollup, RequestRollup
from shiftplanner.models.request_rollup import MERGED_SOURCE, RollupResolution
from shiftplanner.monitoring.rollups.buckets import HOUR, floor_hour, floor_minute
from shiftplanner.monitoring.rollups.repository import (
    add_request,
    combine_processes,
    down_fraction,
    take_turn,
)

log = get_logger(__name__)

Model = type[RequestRollup] | type[ProcessRollup] | type[AvailabilityCheck]
_Row = TypeVar("_Row", RequestRollup, ProcessRollup, AvailabilityCheck)


@dataclass(frozen=True, slots=True)
class MergeResult:
    folded: int
    pruned: int


async def merge(
    session: AsyncSession,
    *,
    now: datetime,
    minute_retention: timedelta,
    hour_retention: timedelta,
) -> MergeResult:
    """Fold every process row of a minute before `now`'s into the merged rows, refresh
    the hours that changed, and delete minute rows older than `minute_retention` and hour
    rows older than `hour_retention` (both from the start of their hour, so an hour row
    is only ever recomputed while all of its minutes are still there)."""
    await take_turn(session)
    before = floor_minute(now)
    minutes_kept_from = floor_hour(now - minute_retention)
    folded = await _fold_requests(session, before)
    process_hours = await _fold_processes(session, before)
    probe_hours = await _fold_probes(session, before)
    await session.flush()
    stale = {hour for hour in process_hours | probe_hours if hour < minutes_kept_from}
    if stale:
        # Only a process that kept its minutes for longer than the minute retention
        # (a very long database outage) gets here; its requests still reach the hours.
        log.warning("rollup_rows_past_minute_retention", hours=len(stale))
    await _refresh_process_hours(session, process_hours - stale)
    await _refresh_probe_hours(session, probe_hours - stale)
    pruned = await _prune(session, minutes_kept_from, floor_hour(now - hour_retention))
    return MergeResult(folded=folded + len(process_hours) + len(probe_hours), pruned=pruned)


def _unmerged_minutes(model: Model, before: datetime) -> ColumnElement[bool]:
    return and_(
        model.resolution == RollupResolution.MINUTE,
        model.source != MERGED_SOURCE,
        model.bucket_start < before,
    )


async def _take_unmerged(session: AsyncSession, model: type[_Row], before: datetime) -> list[_Row]:
    """Read and delete the process rows of minutes before `before` (no other writer can
    come between the two: `take_turn`)."""
    where = _unmerged_minutes(model, before)
    rows = list(await session.scalars(select(model).where(where)))
    if rows:
        await session.execute(
            delete(model).where(where).execution_options(synchronize_session=False)
        )
    return rows


async def _fold_requests(session: AsyncSession, before: datetime) -> int:
    rows = await _take_unmerged(session, RequestRollup, before)
    if not rows:
        return 0
    for resolution, start_of in (
        (RollupResolution.MINUTE, lambda row: row.bucket_start),
        (RollupResolution.HOUR, lambda row: floor_hour(row.bucket_start)),
    ):
        starts = [start_of(row) for row in rows]
        merged = {
            (row.bucket_start, row.method, row.route): row
            for row in await session.scalars(
                select(RequestRollup).where(
                    RequestRollup.resolution == resolution,
                    RequestRollup.source == MERGED_SOURCE,
                    RequestRollup.bucket_start.between(min(starts), max(starts)),
                )
            )
        }
        for row, start in zip(rows, starts, strict=True):
            key = (start, row.method, row.route)
            target = merged.get(key)
            if target is None:
                target = merged[key] = RequestRollup.empty(
                    resolution, start, MERGED_SOURCE, row.method, row.route
                )
                session.add(target)
            add_request(target, row)
    return len(rows)


async def _fold_processes(session: AsyncSession, before: datetime) -> set[datetime]:
    rows = await _take_unmerged(session, ProcessRollup, before)
    if not rows:
        return set()
    merged = await _merged_minutes(session, ProcessRollup, [row.bucket_start for row in rows])
    for row in rows:
        target = merged.get(row.bucket_start)
        if target is None:
            target = merged[row.bucket_start] = ProcessRollup.empty(
                RollupResolution.MINUTE, row.bucket_start, MERGED_SOURCE
            )
            session.add(target)
        combine_processes(target, row)
    return {floor_hour(row.bucket_start) for row in rows}


async def _fold_probes(session: AsyncSession, before: datetime) -> set[datetime]:
    rows = await _take_unmerged(session, AvailabilityCheck, before)
    if not rows:
        return set()
    merged = await _merged_minutes(session, AvailabilityCheck, [row.bucket_start for row in rows])
    for row in rows:
        target = merged.get(row.bucket_start)
        if target is None:
            target = merged[row.bucket_start] = AvailabilityCheck.minute(
                row.bucket_start, MERGED_SOURCE
            )
            session.add(target)
        target.passes += row.passes
        target.failures += row.failures
        target.down_minutes = down_fraction(target.passes, target.failures)
    return {floor_hour(row.bucket_start) for row in rows}


async def _merged_minutes(
    session: AsyncSession, model: type[_Row], starts: list[datetime]
) -> dict[datetime, _Row]:
    rows = await session.scalars(
        select(model).where(
            model.resolution == RollupResolution.MINUTE,
            model.source == MERGED_SOURCE,
            model.bucket_start.between(min(starts), max(starts)),
        )
    )
    return {row.bucket_start: row for row in rows}


async def _hour_rows(
    session: AsyncSession, model: type[_Row], hours: set[datetime]
) -> tuple[dict[datetime, list[_Row]], dict[datetime, _Row]]:
    """The merged minute rows of each hour, and the hour rows that exist already."""
    first, last = min(hours), max(hours) + HOUR
    minutes: dict[datetime, list[_Row]] = defaultdict(list)
    for row in await session.scalars(
        select(model).where(
            model.resolution == RollupResolution.MINUTE,
            model.source == MERGED_SOURCE,
            model.bucket_start >= first,
            model.bucket_start < last,
        )
    ):
        minutes[floor_hour(row.bucket_start)].append(row)
    existing = {
        row.bucket_start: row
        for row in await session.scalars(
            select(model).where(
                model.resolution == RollupResolution.HOUR,
                model.source == MERGED_SOURCE,
                model.bucket_start >= first,
                model.bucket_start < last,
            )
        )
    }
    return minutes, existing


async def _hours_to_refresh(
    session: AsyncSession, model: type[_Row], hours: set[datetime]
) -> list[tuple[_Row, list[_Row]]]:
    """Each of `hours` that has merged minute rows: its hour row (added if there is
    none yet) and those minute rows, to recompute it from."""
    if not hours:
        return []
    minutes, existing = await _hour_rows(session, model, hours)
    found = []
    for hour in hours:
        rows = minutes.get(hour, [])
        if not rows:
            continue
        target = existing.get(hour)
        if target is None:
            target = model(
                resolution=RollupResolution.HOUR, bucket_start=hour, source=MERGED_SOURCE
            )
            session.add(target)
        found.append((target, rows))
    return found


async def _refresh_process_hours(session: AsyncSession, hours: set[datetime]) -> None:
    for target, rows in await _hours_to_refresh(session, ProcessRollup, hours):
        count = len(rows)
        target.samples = sum(row.samples for row in rows)
        target.cpu_percent_avg = sum(row.cpu_percent_avg for row in rows) / count
        target.cpu_percent_max = max(row.cpu_percent_max for row in rows)
        target.rss_bytes_max = max(row.rss_bytes_max for row in rows)
        target.event_loop_lag_ms_max = max(row.event_loop_lag_ms_max for row in rows)
        target.gc_pause_ms_sum = sum(row.gc_pause_ms_sum for row in rows)
        target.db_pool_in_use_max = max(row.db_pool_in_use_max for row in rows)
        target.db_pool_size = max(row.db_pool_size for row in rows)
        target.cache_hits = sum(row.cache_hits for row in rows)
        target.cache_misses = sum(row.cache_misses for row in rows)


async def _refresh_probe_hours(session: AsyncSession, hours: set[datetime]) -> None:
    for target, rows in await _hours_to_refresh(session, AvailabilityCheck, hours):
        target.passes = sum(row.passes for row in rows)
        target.failures = sum(row.failures for row in rows)
        target.minutes = sum(1 for row in rows if row.passes + row.failures)
        target.down_minutes = sum(row.down_minutes for row in rows)


async def _prune(session: AsyncSession, minutes_before: datetime, hours_before: datetime) -> int:
    pruned = 0
    for model in (RequestRollup, ProcessRollup, AvailabilityCheck):
        for resolution, before in (
            (RollupResolution.MINUTE, minutes_before),
            (RollupResolution.HOUR, hours_before),
        ):
            result = await session.execute(
                delete(model).where(model.resolution == resolution, model.bucket_start < before)
            )
            pruned += cast(CursorResult[Any], result).rowcount
    return pruned
