"""Everything that watches this process, built once with the runtime and started by the
app's lifespan: the readiness checks, the profilers and, with
SHIFTPLANNER_METRICS_ENABLED, the statement metrics, the process sampler, the rollup
loops (writer, availability probe, the leader's merge) and the domain gauges.

One leader lock serves every leader-only job of the process, so a process holds at most
one extra database connection for it (PostgreSQL; on SQLite the one process leads)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shiftplanner.config import Settings
from shiftplanner.monitoring.database import DatabaseMetrics
from shiftplanner.monitoring.domain import DomainMetrics
from shiftplanner.monitoring.health.checks import Heartbeat, Readiness
from shiftplanner.monitoring.leader import LeaderLock
from shiftplanner.monitoring.profiler.service import Profilers
from shiftplanner.monitoring.recorder import Recorder
from shiftplanner.monitoring.rollups.workers import MonitoringWorkers
from shiftplanner.monitoring.system import SystemMonitor

LEADER_NAME = "operations"


@dataclass(slots=True)
class Measuring:
    """What runs only with the metrics on."""

    leader: LeaderLock
    database: DatabaseMetrics
    system: SystemMonitor
    domain: DomainMetrics
    rollups: MonitoringWorkers


@dataclass(slots=True)
class Monitoring:
    recorder: Recorder
    readiness: Readiness
    profilers: Profilers
    measuring: Measuring | None

    @classmethod
    def build(
        cls,
        settings: Settings,
        engine: AsyncEngine,
        session_factory: async_sessionmaker[AsyncSession],
        read_session_factory: async_sessionmaker[AsyncSession],
        recorder: Recorder,
        *,
        dispatcher: Heartbeat,
        generation_runner: Heartbeat,
    ) -> Monitoring:
        measuring = None
        if settings.metrics_enabled:
            leader = LeaderLock(engine, LEADER_NAME)
            database = DatabaseMetrics(
                engine, recorder, slow_threshold_ms=settings.slow_query_threshold_ms
            )
            database.install()
            measuring = Measuring(
                leader=leader,
                database=database,
                system=SystemMonitor(settings, recorder, database),
                domain=DomainMetrics(settings, read_session_factory, leader.is_leader),
                rollups=MonitoringWorkers(settings, session_factory, recorder, leader),
            )
        return cls(
            recorder=recorder,
            readiness=Readiness(
                settings, engine, dispatcher=dispatcher, generation_runner=generation_runner
            ),
            profilers=Profilers.of(settings),
            measuring=measuring,
        )

    def start(self) -> None:
        if self.measuring is None:
            return
        self.measuring.system.start()
        self.measuring.domain.start()
        # The availability probe asks the readiness check, as an operator's probe would.
        self.measuring.rollups.start(probe_check=self.ready)

    async def ready(self) -> bool:
        """Whether the readiness check passes (a warning still serves)."""
        return (await self.readiness.report()).ready

    async def close(self) -> None:
        """Stop in the order that keeps what the last steps need: the rollups' final
        flush wants the database, and the probe the readiness checks."""
        await self.profilers.close()
        measuring = self.measuring
        if measuring is not None:
            await measuring.domain.stop()
            await measuring.system.stop()
            await measuring.rollups.stop()
            await measuring.leader.close()
        await self.readiness.close()

    def detach(self) -> None:
        """After the engine is disposed: the statement listeners come off it."""
        if self.measuring is not None:
            self.measuring.database.remove()
