from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, enum_column


class RollupResolution(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"


# Where merged rows keep their `source`: written by the leader, from every process's rows.
MERGED_SOURCE = ""


class RequestRollup(Base):
    """The requests of one route in one minute (or hour), as one process saw them
    (`source`) or, once the leader has merged them, as the whole service did
    (`source` = MERGED_SOURCE). The SLA, the dashboards and the alert rules read these,
    so they hold across processes, replicas and restarts.

    `latency_buckets` counts requests per latency bucket (non-cumulative), on the bounds
    of `monitoring.metrics.LATENCY_BUCKETS_SECONDS` plus one overflow bucket: percentiles
    are estimated from them as Prometheus's `histogram_quantile` does."""

    __tablename__ = "request_rollups"
    __table_args__ = (
        UniqueConstraint("resolution", "bucket_start", "source", "method", "route"),
        Index("ix_request_rollups_resolution_bucket", "resolution", "bucket_start"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    resolution: Mapped[RollupResolution] = mapped_column(
        enum_column(RollupResolution, "rollup_resolution")
    )
    bucket_start: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    route: Mapped[str] = mapped_column(String(255))
    requests: Mapped[int] = mapped_column(default=0)
    errors_4xx: Mapped[int] = mapped_column(default=0)
    errors_5xx: Mapped[int] = mapped_column(default=0)
    duration_ms_sum: Mapped[float] = mapped_column(default=0.0)
    duration_ms_max: Mapped[float] = mapped_column(default=0.0)
    latency_buckets: Mapped[list[int]]
    bytes_sent: Mapped[int] = mapped_column(BigInteger, default=0)
    queries: Mapped[int] = mapped_column(default=0)
    slow_queries: Mapped[int] = mapped_column(default=0)

    @classmethod
    def empty(
        cls,
        resolution: RollupResolution,
        bucket_start: datetime,
        source: str,
        method: str,
        route: str,
    ) -> RequestRollup:
        """A row with nothing counted yet, to add to (column defaults apply only when it
        is inserted)."""
        return cls(
            resolution=resolution,
            bucket_start=bucket_start,
            source=source,
            method=method,
            route=route,
            requests=0,
            errors_4xx=0,
            errors_5xx=0,
            duration_ms_sum=0.0,
            duration_ms_max=0.0,
            latency_buckets=[],
            bytes_sent=0,
            queries=0,
            slow_queries=0,
        )
