"""Each process's writer: its closed minutes from the recorder into its own rows.

The rows carry `source`, an id of this process that no other process shares (host, pid
and a random part, since pids come back after a restart and in containers), so every
process adds to rows of its own and the leader folds them together (`merge`)."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.db import session_scope
from shiftplanner.logging import get_logger
from shiftplanner.monitoring.recorder import ClosedMinutes, Recorder
from shiftplanner.monitoring.rollups import repository

log = get_logger(__name__)

SOURCE_LENGTH = 64
# Minutes a process keeps when it cannot write (the database down): a day of rows,
# beyond which the oldest go, so an outage cannot exhaust memory.
MAX_MINUTES_KEPT = 24 * 60


def process_source() -> str:
    """`hostname:pid:random`, at most 64 characters (the hostname gives way)."""
    suffix = f":{os.getpid()}:{secrets.token_hex(4)}"
    return socket.gethostname()[: SOURCE_LENGTH - len(suffix)] + suffix


class RollupWriter:
    def __init__(
        self,
        recorder: Recorder,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        source: str | None = None,
    ) -> None:
        self.recorder = recorder
        self.source = (source or process_source())[:SOURCE_LENGTH]
        self._session_factory = session_factory
        # The loop and the shutdown flush never take minutes at the same time.
        self._lock = asyncio.Lock()
        self._failing = False

    async def flush(self, *, everything: bool = False) -> bool:
        """Store the minutes that are over (with `everything`, the current one too: at
        shutdown). On a failure the minutes go back to the recorder, to be written with
        the next ones; the first failure of a run of them is logged, and the recovery.
        Returns whether everything taken was stored."""
        async with self._lock:
            closed = self.recorder.take_closed(everything=everything)
            if not closed:
                return True
            try:
                await self.write(closed)
            except Exception:
                self.recorder.give_back(closed)
                self._forget_oldest()
                if not self._failing:
                    self._failing = True
                    log.warning("rollup_write_failed", source=self.source, exc_info=True)
                return False
            if self._failing:
                self._failing = False
                log.info("rollup_write_recovered", source=self.source)
            return True

    async def write(self, closed: ClosedMinutes) -> None:
        async with session_scope(self._session_factory) as session:
            await repository.store(session, self.source, closed)

    def _forget_oldest(self) -> None:
        recorder = self.recorder
        minutes = (
            {key[0] for key in recorder.routes} | set(recorder.processes) | set(recorder.probes)
        )
        if len(minutes) <= MAX_MINUTES_KEPT:
            return
        oldest_kept = sorted(minutes)[-MAX_MINUTES_KEPT]
        recorder.routes = {k: v for k, v in recorder.routes.items() if k[0] >= oldest_kept}
        recorder.processes = {k: v for k, v in recorder.processes.items() if k >= oldest_kept}
        recorder.probes = {k: v for k, v in recorder.probes.items() if k >= oldest_kept}
        log.warning("rollup_minutes_dropped", minutes=len(minutes) - MAX_MINUTES_KEPT)
