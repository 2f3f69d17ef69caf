from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shiftplanner.kit.schemas import InputSchema, Schema
from shiftplanner.monitoring.profiler.cpu import ProfileStatus

# The setting's own bound; the configured one (SHIFTPLANNER_PROFILER_MAX_SECONDS) is
# checked by the profiler.
MAX_SECONDS = 600


class CpuProfileStart(InputSchema):
    seconds: float = Field(
        ge=0.1,
        le=MAX_SECONDS,
        description="How long to profile, at most SHIFTPLANNER_PROFILER_MAX_SECONDS (60 s "
        "by default).",
    )


class HotFunction(Schema):
    function: str
    file: str | None
    line: int | None = Field(description="Where the function starts.")
    self_seconds: float = Field(description="Time in the function itself, not its callees.")
    application: bool = Field(description="Code of the service, not of a library.")


class CpuProfile(Schema):
    id: str
    status: ProfileStatus
    pid: int = Field(description="The process profiled; the profile is kept there.")
    seconds: float = Field(description="As asked.")
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    samples: int | None
    cpu_seconds: float | None = Field(description="CPU time of the whole process meanwhile.")
    hottest: list[HotFunction] = Field(
        description="Where the event loop's thread spent its time, most first."
    )


class MemorySnapshot(Schema):
    id: str
    taken_at: datetime
    pid: int = Field(description="The process; the snapshot is kept there.")
    traced_bytes: int = Field(description="Memory allocated since tracing started, still held.")
    peak_bytes: int
    blocks: int


class TracingState(Schema):
    tracing: bool
    pid: int
    traced_bytes: int
    peak_bytes: int
    snapshots: list[MemorySnapshot] = Field(description="Kept snapshots, oldest first.")


class AllocationDiff(Schema):
    file: str
    line: int
    size_diff: int = Field(description="Bytes more (or fewer) held from this line.")
    size: int
    count_diff: int = Field(description="Blocks more (or fewer).")
    count: int


class MemoryDiff(Schema):
    from_id: str
    to_id: str
    pid: int
    size_diff: int
    count_diff: int
    top: list[AllocationDiff] = Field(description="The largest changes first.")
