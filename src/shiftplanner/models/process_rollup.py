from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, enum_column
from shiftplanner.models.request_rollup import RollupResolution


class ProcessRollup(Base):
    """How one process (`source`) or, merged, the whole service did in one minute (or
    hour): CPU, memory, event-loop lag, the database pool and the response cache. The
    alert rules on resources read these."""

    __tablename__ = "process_rollups"
    __table_args__ = (
        UniqueConstraint("resolution", "bucket_start", "source"),
        Index("ix_process_rollups_resolution_bucket", "resolution", "bucket_start"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    resolution: Mapped[RollupResolution] = mapped_column(
        enum_column(RollupResolution, "rollup_resolution")
    )
    bucket_start: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(64))
    # Samples taken in the bucket (the averages below are over these).
    samples: Mapped[int] = mapped_column(default=0)
    cpu_percent_avg: Mapped[float] = mapped_column(default=0.0)
    cpu_percent_max: Mapped[float] = mapped_column(default=0.0)
    rss_bytes_max: Mapped[int] = mapped_column(BigInteger, default=0)
    event_loop_lag_ms_max: Mapped[float] = mapped_column(default=0.0)
    gc_pause_ms_sum: Mapped[float] = mapped_column(default=0.0)
    db_pool_in_use_max: Mapped[int] = mapped_column(default=0)
    db_pool_size: Mapped[int] = mapped_column(default=0)
    cache_hits: Mapped[int] = mapped_column(default=0)
    cache_misses: Mapped[int] = mapped_column(default=0)

    @classmethod
    def empty(
        cls, resolution: RollupResolution, bucket_start: datetime, source: str
    ) -> ProcessRollup:
        """A row with nothing measured yet, to add to (column defaults apply only when
        it is inserted)."""
        return cls(
            resolution=resolution,
            bucket_start=bucket_start,
            source=source,
            samples=0,
            cpu_percent_avg=0.0,
            cpu_percent_max=0.0,
            rss_bytes_max=0,
            event_loop_lag_ms_max=0.0,
            gc_pause_ms_sum=0.0,
            db_pool_in_use_max=0,
            db_pool_size=0,
            cache_hits=0,
            cache_misses=0,
        )
