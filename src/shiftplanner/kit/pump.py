"""A background loop that claims work and runs each claimed item as a task of its own:
woken at once after a commit that made work (`wake`), else polling for work that comes
due (retries), never more than `concurrency` items at once. Stopping cancels the loop and
what is in flight; claims carry leases, so unfinished items are taken up again later."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

from shiftplanner.logging import get_logger

log = get_logger(__name__)

Item = TypeVar("Item")


class Pump(Generic[Item]):
    def __init__(
        self,
        name: str,
        *,
        claim: Callable[[int], Awaitable[list[Item]]],
        work: Callable[[Item], Coroutine[Any, Any, bool]],
        concurrency: int,
        poll_interval: float,
        after_claim: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`claim(limit)` leases up to `limit` items; `work(item)` handles one and says
        whether more may be due because of it (the loop then looks again at once);
        `after_claim` runs after each claim (counting the queue, say)."""
        self.name = name
        self._claim = claim
        self._work = work
        self._concurrency = concurrency
        self._poll_interval = poll_interval
        self._after_claim = after_claim
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[bool]] = set()

    def wake(self) -> None:
        """Look for work soon: called after a commit that made some."""
        self._wakeup.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        pending = [t for t in (task, *self._inflight) if t is not None]
        for each in pending:
            each.cancel()
        for each in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await each

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            free = self._concurrency - len(self._inflight)
            if free > 0:
                try:
                    for item in await self._claim(free):
                        task = asyncio.create_task(self._work(item))
                        self._inflight.add(task)
                        task.add_done_callback(self._done)
                    if self._after_claim is not None:
                        await self._after_claim()
                except Exception:
                    log.exception("pump_round_failed", pump=self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)

    def _done(self, task: asyncio.Task[bool]) -> None:
        self._inflight.discard(task)
        # A free slot; and more may be due.
        if not task.cancelled() and task.exception() is None and task.result():
            self._wakeup.set()
