"""The SLA over a window: availability from the synthetic probe, the error rate (5xx of
all requests) and p95 latency, each against its target, and the error budget.

Availability is counted in minutes. A minute is down by the share of its probe runs that
failed (every process's runs together), and a minute with no probe result at all counts
as wholly down: nothing was running to answer, so a restart, a crash or a deploy gap
spends error budget. Minutes before the service's first probe result ever (kept) are
not counted. The window ends at the start of the minute before the current one, since
the minute just over may not be written by every process yet. Older than the minute
retention, hour rows carry how many of their minutes had results and how many were down;
in the hour of the first probe result, its minutes without results are not counted
(the service had not started yet, as far as the rows can tell)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.monitoring.rollups import service as rollup_service
from shiftplanner.monitoring.rollups.buckets import HOUR, MINUTE, floor_hour, floor_minute

# The spans listed, newest first; the totals count them all.
MAX_SPANS = 200

Reason = Literal["probe_failed", "no_probe", "probe_failed_and_no_probe"]


@dataclass(frozen=True, slots=True)
class Targets:
    availability_percent: float
    error_rate_percent: float
    p95_ms: float

    @classmethod
    def of(cls, settings: Settings) -> Targets:
        return cls(
            availability_percent=settings.sla_availability_target,
            error_rate_percent=settings.sla_error_rate_target,
            p95_ms=settings.sla_p95_target_ms,
        )


@dataclass(slots=True)
class DownSpan:
    start: datetime
    end: datetime
    down_minutes: float
    reason: Reason


@dataclass(frozen=True, slots=True)
class Objective:
    target: float
    actual: float | None
    # None without data to judge by.
    met: bool | None


@dataclass(frozen=True, slots=True)
class Budget:
    allowed_minutes: float
    spent_minutes: float
    remaining_minutes: float
    remaining_percent: float | None


@dataclass(slots=True)
class SlaReport:
    start: datetime
    end: datetime
    measured_since: datetime | None
    measured_minutes: int
    availability: Objective
    error_rate: Objective
    p95: Objective
    requests: int
    budget: Budget
    spans: list[DownSpan] = field(default_factory=list)
    span_count: int = 0


async def report(
    session: AsyncSession,
    *,
    window: timedelta,
    now: datetime,
    targets: Targets,
    minute_retention: timedelta,
) -> SlaReport:
    end = floor_minute(now) - MINUTE
    start = end - window
    first = await rollup_service.first_probe(session)
    measured_since = max(start, first) if first is not None and first < end else None
    spans: list[DownSpan] = []
    if measured_since is not None:
        minutes_from = max(measured_since, floor_hour(now - minute_retention))
        if measured_since < minutes_from:
            spans += await _hour_spans(session, measured_since, minutes_from, first)
        spans += await _minute_spans(session, max(minutes_from, measured_since), end)
    measured = int((end - measured_since) / MINUTE) if measured_since is not None else 0
    spent = sum(span.down_minutes for span in spans)
    requests = await rollup_service.window(session, start=start, end=end)
    # Rounded: 99.9 % of 60 minutes is not 0.05999999999999339 minutes to a reader.
    allowed = round((100 - targets.availability_percent) / 100 * (window / MINUTE), 6)
    availability = (measured - spent) / measured * 100 if measured else None
    spans.sort(key=lambda span: span.start, reverse=True)
    return SlaReport(
        start=start,
        end=end,
        measured_since=measured_since,
        measured_minutes=measured,
        availability=_objective(targets.availability_percent, availability, higher_is_better=True),
        error_rate=_objective(targets.error_rate_percent, requests.error_rate),
        p95=_objective(targets.p95_ms, requests.p95_ms),
        requests=requests.requests,
        budget=Budget(
            allowed_minutes=allowed,
            spent_minutes=round(spent, 6),
            remaining_minutes=round(allowed - spent, 6),
            remaining_percent=(allowed - spent) / allowed * 100 if allowed > 0 else None,
        ),
        spans=spans[:MAX_SPANS],
        span_count=len(spans),
    )


def _objective(target: float, actual: float | None, *, higher_is_better: bool = False) -> Objective:
    if actual is None:
        return Objective(target, None, None)
    return Objective(target, actual, actual >= target if higher_is_better else actual <= target)


async def _minute_spans(session: AsyncSession, start: datetime, end: datetime) -> list[DownSpan]:
    """Runs of consecutive down minutes of one kind in [start, end)."""
    probes = await rollup_service.probe_minutes(session, start=start, end=end)
    spans: list[DownSpan] = []
    minute = start
    while minute < end:
        passes, failures = probes.get(minute, (0, 0))
        runs = passes + failures
        reason: Reason = "probe_failed" if runs else "no_probe"
        down = failures / runs if runs else 1.0
        if down > 0:
            last = spans[-1] if spans else None
            if last is not None and last.end == minute and last.reason == reason:
                last.end = minute + MINUTE
                last.down_minutes += down
            else:
                spans.append(DownSpan(minute, minute + MINUTE, down, reason))
        minute += MINUTE
    return spans


async def _hour_spans(
    session: AsyncSession, start: datetime, end: datetime, first: datetime | None
) -> list[DownSpan]:
    """The down minutes of [start, end) from hour rows, one span per hour that had any;
    an hour only partly inside counts its share."""
    hours = await rollup_service.probe_hours(session, start=floor_hour(start), end=end)
    first_hour = floor_hour(first) if first is not None else None
    spans: list[DownSpan] = []
    hour = floor_hour(start)
    while hour < end:
        inside = (min(hour + HOUR, end) - max(hour, start)) / MINUTE
        row = hours.get(hour)
        reason: Reason = "no_probe"
        if row is None:
            down = inside
        else:
            minutes, failed = row
            missing = 0 if hour == first_hour else max(0, 60 - minutes)
            down = (failed + missing) * inside / 60
            if failed and missing:
                reason = "probe_failed_and_no_probe"
            elif failed:
                reason = "probe_failed"
        if down > 0:
            spans.append(DownSpan(max(hour, start), min(hour + HOUR, end), down, reason))
        hour += HOUR
    return spans
