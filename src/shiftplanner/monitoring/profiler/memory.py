"""Memory snapshots with tracemalloc, and what grew between two of them.

Tracing starts with the first snapshot and stays on until it is stopped: it costs every
allocation of the process some time and memory, so an operator turns it off when done.
It sees only what is allocated after it started, so the first snapshot is the baseline
and a diff shows what the process allocated (and kept) between two points, by the
source line that allocated it. Snapshots live in this process's memory (the last few)."""

from __future__ import annotations

import asyncio
import os
import secrets
import tracemalloc
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from shiftplanner.errors import NotFound
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger

log = get_logger(__name__)

# A snapshot holds every traced block of the process (megabytes): few are kept.
KEPT_SNAPSHOTS = 4
# Allocations are told apart by the line that made them: one frame is enough.
TRACED_FRAMES = 1
# Not the process's own allocations: tracemalloc's, and the import machinery's.
_IGNORED = (
    tracemalloc.Filter(False, tracemalloc.__file__),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
    tracemalloc.Filter(False, "<unknown>"),
)


@dataclass(frozen=True, slots=True)
class MemorySnapshot:
    id: str
    taken_at: datetime
    pid: int
    traced_bytes: int
    peak_bytes: int
    blocks: int


@dataclass(frozen=True, slots=True)
class AllocationDiff:
    file: str
    line: int
    size_diff: int
    size: int
    count_diff: int
    count: int


@dataclass(frozen=True, slots=True)
class MemoryDiff:
    from_id: str
    to_id: str
    pid: int
    size_diff: int
    count_diff: int
    top: list[AllocationDiff]


@dataclass(frozen=True, slots=True)
class TracingState:
    tracing: bool
    pid: int
    traced_bytes: int
    peak_bytes: int
    snapshots: list[MemorySnapshot]


class MemoryTracer:
    """This process's tracemalloc snapshots."""

    def __init__(self, *, keep: int = KEPT_SNAPSHOTS) -> None:
        self._keep = keep
        self._snapshots: OrderedDict[str, tuple[MemorySnapshot, tracemalloc.Snapshot]] = (
            OrderedDict()
        )
        # Whether tracing is ours to stop when the app stops (not if PYTHONTRACEMALLOC
        # started it).
        self._started_tracing = False

    async def take(self) -> MemorySnapshot:
        """A snapshot of what is allocated now (starting tracing on first use)."""
        if not tracemalloc.is_tracing():
            tracemalloc.start(TRACED_FRAMES)
            self._started_tracing = True
            log.info("memory_tracing_started")
        # Copying every trace takes a while; off the loop, so other tasks may run.
        snapshot = await asyncio.to_thread(_take)
        traced, peak = tracemalloc.get_traced_memory()
        taken = MemorySnapshot(
            id=secrets.token_hex(8),
            taken_at=utcnow(),
            pid=os.getpid(),
            traced_bytes=traced,
            peak_bytes=peak,
            blocks=len(snapshot.traces),
        )
        self._snapshots[taken.id] = (taken, snapshot)
        while len(self._snapshots) > self._keep:
            self._snapshots.popitem(last=False)
        return taken

    def state(self) -> TracingState:
        traced, peak = tracemalloc.get_traced_memory()
        return TracingState(
            tracing=tracemalloc.is_tracing(),
            pid=os.getpid(),
            traced_bytes=traced,
            peak_bytes=peak,
            snapshots=[taken for taken, _ in self._snapshots.values()],
        )

    async def diff(self, from_id: str, to_id: str, *, limit: int) -> MemoryDiff:
        """What changed from one snapshot to the other, by allocating line, the biggest
        changes first."""
        missing = [i for i in (from_id, to_id) if i not in self._snapshots]
        if missing:
            raise NotFound(
                f"No memory snapshot {', '.join(missing)} in process {os.getpid()}: only the "
                f"last {self._keep} are kept, each in the process that took it, and stopping "
                "tracing drops them."
            )
        _, before = self._snapshots[from_id]
        _, after = self._snapshots[to_id]
        changes = await asyncio.to_thread(after.compare_to, before, "lineno")
        return MemoryDiff(
            from_id=from_id,
            to_id=to_id,
            pid=os.getpid(),
            size_diff=sum(change.size_diff for change in changes),
            count_diff=sum(change.count_diff for change in changes),
            top=[
                AllocationDiff(
                    file=change.traceback[0].filename,
                    line=change.traceback[0].lineno,
                    size_diff=change.size_diff,
                    size=change.size,
                    count_diff=change.count_diff,
                    count=change.count,
                )
                for change in changes[:limit]
            ],
        )

    def stop(self) -> None:
        """Stop tracing (whoever started it) and drop the snapshots."""
        self._snapshots.clear()
        if tracemalloc.is_tracing():
            tracemalloc.stop()
            log.info("memory_tracing_stopped")
        self._started_tracing = False

    def close(self) -> None:
        """The app is stopping: drop the snapshots, and end the tracing it started."""
        if self._started_tracing:
            self.stop()
        self._snapshots.clear()


def _take() -> tracemalloc.Snapshot:
    return tracemalloc.take_snapshot().filter_traces(_IGNORED)
