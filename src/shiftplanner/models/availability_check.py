from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.models.base import Base, IdType, enum_column
from shiftplanner.models.request_rollup import RollupResolution


class AvailabilityCheck(Base):
    """The synthetic probe's results in one minute (or hour): how many runs of the
    readiness check passed and failed, per process or merged. Availability for the SLA is
    passes over runs; a minute with no row at all (the service down) counts as failed."""

    __tablename__ = "availability_checks"
    __table_args__ = (
        UniqueConstraint("resolution", "bucket_start", "source"),
        Index("ix_availability_checks_resolution_bucket", "resolution", "bucket_start"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    resolution: Mapped[RollupResolution] = mapped_column(
        enum_column(RollupResolution, "rollup_resolution")
    )
    bucket_start: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(64))
    passes: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    # Merged rows: the minutes of the bucket that had any result (1 for a minute, up to 60
    # for an hour) and how many of them were down (a minute's failures over its runs), so
    # hour rows keep the SLA's per-minute accounting after the minute rows are pruned.
    minutes: Mapped[int] = mapped_column(default=0)
    down_minutes: Mapped[float] = mapped_column(default=0.0)

    @classmethod
    def minute(cls, bucket_start: datetime, source: str) -> AvailabilityCheck:
        """A minute's row with no run counted yet, to add to."""
        return cls(
            resolution=RollupResolution.MINUTE,
            bucket_start=bucket_start,
            source=source,
            passes=0,
            failures=0,
            minutes=1,
            down_minutes=0.0,
        )
