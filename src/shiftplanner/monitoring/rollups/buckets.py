"""Time buckets and latency histograms: the pure arithmetic the writer, the merge and the
readers share."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from shiftplanner.monitoring.metrics import LATENCY_BUCKETS_SECONDS

MINUTE = timedelta(minutes=1)
# The writer runs this long after a minute ends (plus a little jitter, so replicas do not
# all write at the same instant): requests that finish at the boundary are in.
WRITE_DELAY_SECONDS = 1.0
WRITE_JITTER_SECONDS = 2.0
# By then every process has stored the minute before (the write itself takes
# milliseconds; the margin is for a busy process).
WRITTEN_AFTER = timedelta(seconds=WRITE_DELAY_SECONDS + WRITE_JITTER_SECONDS + 3)
HOUR = timedelta(hours=1)
MEBIBYTE = 1024 * 1024
# Non-cumulative counts: one per bound of LATENCY_BUCKETS_SECONDS, then the overflow.
BUCKET_COUNT = len(LATENCY_BUCKETS_SECONDS) + 1


def minute_start(minute: int) -> datetime:
    """The start of a recorder minute (minutes since the epoch)."""
    return datetime.fromtimestamp(minute * 60, UTC)


def floor_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def floor_step(moment: datetime, step: timedelta) -> datetime:
    """The start of the `step` (whole minutes) that holds `moment`, steps counted from
    the epoch, so a chart's buckets stay put as time moves on."""
    seconds = int(step.total_seconds())
    return datetime.fromtimestamp(int(moment.timestamp()) // seconds * seconds, UTC)


def ceil_hour(moment: datetime) -> datetime:
    floored = floor_hour(moment)
    return floored if floored == moment else floored + HOUR


def empty_buckets() -> list[int]:
    return [0] * BUCKET_COUNT


def add_buckets(into: list[int], other: Sequence[int]) -> list[int]:
    """The element-wise sum (a row written with other bounds is padded or cut)."""
    total = list(into) + [0] * (BUCKET_COUNT - len(into))
    for index, count in enumerate(other[:BUCKET_COUNT]):
        total[index] += count
    return total[:BUCKET_COUNT]


def quantile(
    q: float,
    buckets: Sequence[int],
    bounds: Sequence[float] = LATENCY_BUCKETS_SECONDS,
    *,
    slowest: float | None = None,
) -> float | None:
    """The q-quantile in milliseconds of durations counted in `buckets` (non-cumulative,
    one per bound in seconds, then the overflow), estimated as Prometheus's
    `histogram_quantile` does: find the bucket where the rank falls and interpolate
    linearly inside it (from 0 for the first bucket). A rank in the overflow bucket gives
    the highest finite bound, or, when the slowest duration seen is known (`slowest`,
    seconds), a value up to it; no estimate exceeds it. None without observations."""
    total = sum(buckets)
    if total == 0 or not 0 < q < 1:
        return None
    ceiling = slowest if slowest is not None else math.inf
    rank = q * total
    cumulative = 0
    for index, count in enumerate(buckets):
        if cumulative + count >= rank and count > 0:
            lower = bounds[index - 1] if index > 0 else 0.0
            if index >= len(bounds):
                upper = slowest if slowest is not None and slowest > lower else lower
            else:
                upper = bounds[index]
            estimate = lower + (upper - lower) * (rank - cumulative) / count
            return min(estimate, ceiling) * 1000
        cumulative += count
    return min(bounds[-1], ceiling) * 1000  # pragma: no cover - rank <= total always


def ratio(part: float, whole: float) -> float | None:
    """part / whole, None when there is no whole to speak of."""
    return part / whole if whole > 0 and math.isfinite(part) else None


def percent(part: float, whole: float) -> float | None:
    value = ratio(part, whole)
    return None if value is None else value * 100
