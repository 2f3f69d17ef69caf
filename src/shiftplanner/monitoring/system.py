"""The process and its machine, sampled every few seconds: CPU, resident memory, open
files and sockets, event-loop lag, garbage-collector pauses, the data directory's disk
and the database pool. Each sample sets the Prometheus gauges, goes into this process's
minute rollups (`Recorder.process_sample`) and is kept as `latest` for the readiness
check and the dashboard.

A sample reads a few `/proc` files (well under a millisecond), so it runs on the event
loop; the loop's own lag is how late the sampler's sleep woke."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from shiftplanner.config import Settings
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.monitoring.database import DatabaseMetrics, PoolState
from shiftplanner.monitoring.metrics import (
    DATA_DISK_FREE,
    DATA_DISK_USAGE,
    EVENT_LOOP_LAG,
    GC_COLLECTIONS,
    GC_PAUSE,
    PROCESS_CPU_PERCENT,
    PROCESS_OPEN_FILES,
    PROCESS_RESIDENT_MEMORY,
)
from shiftplanner.monitoring.recorder import Recorder

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class DiskUsage:
    path: str
    used_percent: float
    free_bytes: int
    total_bytes: int


def existing_parent(path: Path) -> Path:
    """`path`, or its nearest ancestor that exists (a data directory not made yet
    lives on its parent's file system)."""
    candidate = path.absolute()
    while not candidate.exists() and candidate != candidate.parent:
        candidate = candidate.parent
    return candidate


def disk_usage(path: Path) -> DiskUsage:
    where = existing_parent(path)
    usage = psutil.disk_usage(str(where))
    return DiskUsage(
        path=str(where), used_percent=usage.percent, free_bytes=usage.free, total_bytes=usage.total
    )


def memory_percent() -> float:
    """The machine's memory in use, in percent (what is not available to new work)."""
    return float(psutil.virtual_memory().percent)


class GcTimer:
    """Times every collection through `gc.callbacks`: one callback per process however
    many monitors run (tests start several apps), counting into the metrics and a running
    total of pause time that each monitor reads the change of."""

    def __init__(self) -> None:
        self.users = 0
        self.pause_seconds = 0.0
        self.collections = 0
        self._started = 0.0
        self._children = {
            generation: (GC_COLLECTIONS.labels(str(generation)), GC_PAUSE.labels(str(generation)))
            for generation in range(3)
        }

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        elapsed = time.perf_counter() - self._started
        self.pause_seconds += elapsed
        self.collections += 1
        children = self._children.get(int(info.get("generation", 0)))
        if children is not None:
            children[0].inc()
            children[1].observe(elapsed)

    def acquire(self) -> None:
        self.users += 1
        if self.users == 1:
            gc.callbacks.append(self)

    def release(self) -> None:
        self.users -= 1
        if self.users == 0 and self in gc.callbacks:
            gc.callbacks.remove(self)


GC_TIMER = GcTimer()


@dataclass(frozen=True, slots=True)
class SystemSample:
    taken_at: datetime
    cpu_percent: float
    rss_bytes: int
    open_files: int
    event_loop_lag_ms: float
    # Since the previous sample.
    gc_collections: int
    gc_pause_ms: float
    disk: DiskUsage
    memory_percent: float
    db_pool: PoolState | None


class SystemMonitor:
    def __init__(
        self, settings: Settings, recorder: Recorder, database: DatabaseMetrics | None = None
    ) -> None:
        self.interval = settings.system_metrics_interval_seconds
        self.data_dir = settings.data_dir
        self.recorder = recorder
        self.database = database
        self.latest: SystemSample | None = None
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # the first reading only starts the count
        self._gc_pause_seen = GC_TIMER.pause_seconds
        self._gc_collections_seen = GC_TIMER.collections
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            GC_TIMER.acquire()
            self._task = asyncio.create_task(self._run(), name="system-monitor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        GC_TIMER.release()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.interval)
            lag = max(0.0, loop.time() - before - self.interval)
            try:
                self.sample(event_loop_lag_seconds=lag)
            except Exception:
                log.exception("system_sample_failed")

    def sample(self, *, event_loop_lag_seconds: float = 0.0) -> SystemSample:
        """Take one sample now: set the gauges, record it for the minute, keep it."""
        process = self._process
        with process.oneshot():
            cpu = process.cpu_percent(None)
            rss = process.memory_info().rss
            open_files = process.num_fds()
        disk = disk_usage(self.data_dir)
        pool = self.database.update_pool_gauges() if self.database is not None else None
        gc_pause = GC_TIMER.pause_seconds - self._gc_pause_seen
        gc_collections = GC_TIMER.collections - self._gc_collections_seen
        self._gc_pause_seen += gc_pause
        self._gc_collections_seen += gc_collections
        sample = SystemSample(
            taken_at=utcnow(),
            cpu_percent=cpu,
            rss_bytes=rss,
            open_files=open_files,
            event_loop_lag_ms=event_loop_lag_seconds * 1000,
            gc_collections=gc_collections,
            gc_pause_ms=gc_pause * 1000,
            disk=disk,
            memory_percent=memory_percent(),
            db_pool=pool,
        )
        PROCESS_CPU_PERCENT.set(cpu)
        PROCESS_RESIDENT_MEMORY.set(rss)
        PROCESS_OPEN_FILES.set(open_files)
        EVENT_LOOP_LAG.set(event_loop_lag_seconds)
        DATA_DISK_USAGE.set(disk.used_percent / 100)
        DATA_DISK_FREE.set(disk.free_bytes)
        self.recorder.process_sample(
            cpu_percent=cpu,
            rss_bytes=rss,
            event_loop_lag_ms=sample.event_loop_lag_ms,
            gc_pause_ms=sample.gc_pause_ms,
            db_pool_in_use=pool.active if pool else 0,
            db_pool_size=pool.size if pool else 0,
        )
        self.latest = sample
        return sample
