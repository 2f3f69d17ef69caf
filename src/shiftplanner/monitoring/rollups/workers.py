"""The rollup loops of one process, started by the app lifespan: the writer (every
minute, just after it ends), the availability probe (every `probe_interval_seconds`) and,
on the leader only, the merge and prune (every `rollup_merge_interval_seconds`). Each
loop's work is a plain method tests call directly with a clock of their choosing."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.monitoring.leader import LeaderLock
from shiftplanner.monitoring.recorder import Recorder
from shiftplanner.monitoring.rollups.buckets import WRITE_DELAY_SECONDS, WRITE_JITTER_SECONDS
from shiftplanner.monitoring.rollups.merge import MergeResult, merge
from shiftplanner.monitoring.rollups.probe import MAX_TIMEOUT_SECONDS, Probe, ProbeCheck
from shiftplanner.monitoring.rollups.writer import RollupWriter

log = get_logger(__name__)

# The last flush at shutdown may not hold the shutdown up for longer than this.
SHUTDOWN_FLUSH_SECONDS = 10.0


class MonitoringWorkers:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        recorder: Recorder,
        leader: LeaderLock,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.recorder = recorder
        self.writer = RollupWriter(recorder, session_factory)
        # Shared with the process's other leader-only jobs; its owner closes it.
        self.leader = leader
        self.probe: Probe | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def start(self, probe_check: ProbeCheck | None = None) -> None:
        """Start the loops; the probe runs `probe_check` (the readiness check)."""
        if self._tasks:
            return
        settings = self.settings
        if probe_check is not None:
            self.probe = Probe(
                self.recorder,
                probe_check,
                timeout_seconds=min(MAX_TIMEOUT_SECONDS, settings.probe_interval_seconds),
            )
        loops: list[tuple[str, Callable[[], float], Callable[[], Awaitable[object]]]] = [
            ("rollup-writer", _until_next_minute, self.writer.flush),
            ("rollup-merge", lambda: settings.rollup_merge_interval_seconds, self.merge_once),
        ]
        if self.probe is not None:
            loops.append(
                ("availability-probe", lambda: settings.probe_interval_seconds, self.probe.run_once)
            )
        self._tasks = [
            asyncio.create_task(_every(name, wait, work), name=name) for name, wait, work in loops
        ]

    async def stop(self) -> None:
        """Stop the loops and store everything recorded (the current minute too)."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            async with asyncio.timeout(SHUTDOWN_FLUSH_SECONDS):
                await self.writer.flush(everything=True)
        except TimeoutError:
            log.warning("rollup_shutdown_flush_timed_out", seconds=SHUTDOWN_FLUSH_SECONDS)

    async def merge_once(self, now: datetime | None = None) -> MergeResult | None:
        """Merge and prune if this process leads (None if it does not)."""
        if not await self.leader.is_leader():
            return None
        async with session_scope(self.session_factory) as session:
            return await merge(
                session,
                now=now or utcnow(),
                minute_retention=timedelta(days=self.settings.rollup_minute_retention_days),
                hour_retention=timedelta(days=self.settings.rollup_hour_retention_days),
            )


def _until_next_minute() -> float:
    return 60 - time.time() % 60 + WRITE_DELAY_SECONDS + random.uniform(0, WRITE_JITTER_SECONDS)  # noqa: S311 (not a secret)


async def _every(
    name: str, wait: Callable[[], float], work: Callable[[], Awaitable[object]]
) -> None:
    while True:
        await asyncio.sleep(wait())
        try:
            await work()
        except Exception:
            log.exception("monitoring_loop_failed", loop=name)
