from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shiftplanner.kit.time import utcnow
from shiftplanner.models.base import Base, IdType, JSONType, enum_column


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # a proposal is ready
    STOPPED = "stopped"  # stopped early on request, with the best roster found by then
    FAILED = "failed"
    CANCELLED = "cancelled"  # before it ran, or while running (its best roster is kept)
    APPLIED = "applied"  # its proposal was written to the schedule


class GenerationJob(Base):
    """One run of the schedule generator for a team and a date range: the exact problem it
    solved, its progress, and its proposal."""

    __tablename__ = "generation_jobs"
    __table_args__ = (
        Index("ix_generation_jobs_org_created", "org_id", "created_at"),
        Index("ix_generation_jobs_status", "status"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    org_id: Mapped[int] = mapped_column(IdType, ForeignKey("organizations.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    start: Mapped[dt.date]
    end: Mapped[dt.date]
    time_limit_seconds: Mapped[int]
    replan: Mapped[bool] = mapped_column(default=False)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    problem: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Each improvement: {"seconds", "objective", "bound"}.
    progress: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    solution: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    error: Mapped[str] = mapped_column(Text, default="")
    # The team's schedule in the range when the job was made: applying refuses if it changed.
    schedule_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    # The request that queued the job: the solver process's log lines carry it on.
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    created_by_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When a runner gave it a solver (the queue's fairness goes by it) ...
    claimed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # ... and when its solver process began to search.
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # A request to end it early (`stopped` or `cancelled`), keeping the best roster so far.
    end_requested: Mapped[JobStatus | None] = mapped_column(
        enum_column(JobStatus, "job_end_requested"), default=None
    )
    end_requested_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    applied_at: Mapped[dt.datetime | None] = mapped_column(default=None)
