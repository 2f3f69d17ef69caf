"""The alerting loop: every `alert_evaluation_interval_seconds`, in the one process that
leads (the operations leader lock, shared with the rollup merge when the metrics are on),
give new organizations their default rules, evaluate every rule, then run the escalation
steps that are due. Each step commits on its own, so a failing one (a bad default, an
escalation target gone) does not hold back the others; a failing round is logged and the
loop goes on."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shiftplanner.alerting import evaluator
from shiftplanner.alerting.escalation import engine as escalation_engine
from shiftplanner.alerting.rules import defaults
from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.monitoring.leader import LeaderLock
from shiftplanner.monitoring.metrics import ALERT_EVALUATION_DURATION
from shiftplanner.monitoring.runtime import LEADER_NAME

log = get_logger(__name__)

T = TypeVar("T")


class AlertingWorker:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        leader: LeaderLock,
        *,
        owns_leader: bool,
    ) -> None:
        self.interval = settings.alert_evaluation_interval_seconds
        self.public_url = settings.public_url
        self.session_factory = session_factory
        self.leader = leader
        # A lock of its own (metrics off) is given up at stop; a shared one by its owner.
        self.owns_leader = owns_leader
        self.last_round_at: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        engine: AsyncEngine,
        session_factory: async_sessionmaker[AsyncSession],
        shared_leader: LeaderLock | None,
    ) -> AlertingWorker:
        if shared_leader is not None:
            return cls(settings, session_factory, shared_leader, owns_leader=False)
        return cls(settings, session_factory, LeaderLock(engine, LEADER_NAME), owns_leader=True)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="alerting")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.owns_leader:
            await self.leader.close()

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("alerting_round_failed")
            await asyncio.sleep(self.interval)

    async def run_once(self, now: datetime | None = None) -> bool:
        """One round at `now` (default: the clock), if this process leads; False if it
        does not (another process evaluates)."""
        if not await self.leader.is_leader():
            return False
        now = now or utcnow()
        started = time.perf_counter()
        failures: list[Exception] = []
        created = await self._step("seed", failures, self._seed, now)
        result = await self._step("evaluate", failures, self._evaluate, now)
        acted = await self._step("escalate", failures, self._escalate, now)
        ALERT_EVALUATION_DURATION.observe(time.perf_counter() - started)
        self.last_round_at = now
        if created:
            log.info("alert_default_rules_created", rules=created)
        log.debug(
            "alerting_round",
            outcomes=dict(result.outcomes) if result is not None else None,
            escalated=acted,
        )
        if failures:
            raise failures[0]
        return True

    async def _step(
        self,
        name: str,
        failures: list[Exception],
        step: Callable[[AsyncSession, datetime], Awaitable[T]],
        now: datetime,
    ) -> T | None:
        """One step in its own transaction; a failure is kept for the end of the round,
        so the steps after it still run."""
        try:
            async with session_scope(self.session_factory) as session:
                return await step(session, now)
        except Exception as error:
            log.warning("alerting_step_failed", step=name, exc_info=True)
            failures.append(error)
            return None

    async def _seed(self, session: AsyncSession, now: datetime) -> int:
        return await defaults.seed(session, now=now)

    async def _evaluate(self, session: AsyncSession, now: datetime) -> evaluator.RoundResult:
        return await evaluator.evaluate_all(session, now=now, public_url=self.public_url)

    async def _escalate(self, session: AsyncSession, now: datetime) -> int:
        return await escalation_engine.run_due(session, now=now, public_url=self.public_url)
