"""Processes of a test's own: a recorder on a clock the test sets and its writer, and
the leader's merge at a chosen moment."""

from __future__ import annotations

from datetime import datetime, timedelta

from shiftplanner.db import session_scope
from shiftplanner.monitoring.recorder import Recorder
from shiftplanner.monitoring.rollups.merge import MergeResult, merge
from shiftplanner.monitoring.rollups.writer import RollupWriter
from shiftplanner.runtime import Runtime


class Process:
    """A process of its own: a recorder on a clock the test sets, and its writer."""

    def __init__(self, runtime: Runtime, source: str) -> None:
        self.minute = 0
        self.recorder = Recorder(clock=lambda: self.minute)
        self.writer = RollupWriter(self.recorder, runtime.session_factory, source=source)

    def at(self, moment: datetime) -> Process:
        self.minute = int(moment.timestamp() // 60)
        return self

    def sample(self, *, cpu: float, rss: int, lag: float, in_use: int) -> None:
        self.recorder.process_sample(
            cpu_percent=cpu,
            rss_bytes=rss,
            event_loop_lag_ms=lag,
            gc_pause_ms=1.0,
            db_pool_in_use=in_use,
            db_pool_size=10,
        )

    async def flush(self) -> None:
        assert await self.writer.flush(everything=True)


async def run_merge(runtime: Runtime, now: datetime) -> MergeResult:
    async with session_scope(runtime.session_factory) as session:
        return await merge(
            session, now=now, minute_retention=timedelta(days=7), hour_retention=timedelta(days=90)
        )
