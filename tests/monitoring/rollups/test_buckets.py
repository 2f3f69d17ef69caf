"""Percentiles from latency buckets, estimated as Prometheus's `histogram_quantile`."""

from __future__ import annotations

import pytest

from shiftplanner.monitoring.metrics import LATENCY_BUCKETS_SECONDS
from shiftplanner.monitoring.rollups.buckets import empty_buckets, quantile


def buckets(**counts: int) -> list[int]:
    """Counts by upper bound in ms (`le_25=3`), `inf` for the overflow."""
    result = empty_buckets()
    for name, count in counts.items():
        bound = name.removeprefix("le_")
        index = (
            len(LATENCY_BUCKETS_SECONDS)
            if bound == "inf"
            else LATENCY_BUCKETS_SECONDS.index(float(bound.replace("_", ".")) / 1000)
        )
        result[index] = count
    return result


def test_interpolates_inside_the_bucket_the_rank_falls_in() -> None:
    # 10 requests in (10, 25] ms: the median is half-way through that bucket.
    assert quantile(0.5, buckets(le_25=10)) == pytest.approx(17.5)
    # 90 fast (<= 1 ms) and 10 in (100, 250] ms: p95 is half-way through the slow bucket.
    assert quantile(0.95, buckets(le_1=90, le_250=10)) == pytest.approx(175.0)
    # The first bucket interpolates from zero.
    assert quantile(0.5, buckets(le_1=4)) == pytest.approx(0.5)


def test_the_overflow_bucket_gives_the_highest_bound_and_no_data_gives_none() -> None:
    assert quantile(0.99, buckets(le_1=1, inf=99)) == pytest.approx(10_000.0)
    assert quantile(0.95, empty_buckets()) is None
