"""The readiness checks: the database and Redis answer (and how fast), the data disk and
the machine's memory have room, and the background workers keep up.

Every check is bounded (`CHECK_TIMEOUT_SECONDS`) and they run at once, so the whole
report answers within about that time even when a dependency hangs; a check never
raises, it reports `fail` with the reason."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shiftplanner import __version__
from shiftplanner.config import Settings
from shiftplanner.kit.time import utcnow
from shiftplanner.monitoring.health.schemas import Check, HealthReport, HealthStatus, worst
from shiftplanner.monitoring.system import disk_usage, memory_percent

# Each check's bound; together they answer in about this long at worst.
CHECK_TIMEOUT_SECONDS = 1.5
REDIS_SOCKET_TIMEOUT_SECONDS = 1.0
# Redis answers a PING in well under a millisecond on a healthy network.
REDIS_WARN_MS = 100.0
SERVICE_ID = "shiftplanner"
DESCRIPTION = "ShiftPlanner API readiness"

# A worker's seconds since it last finished a round, or None when it is not running.
Heartbeat = Callable[[], float | None]


def _status(value: float, warn: float, fail: float) -> HealthStatus:
    if value >= fail:
        return HealthStatus.FAIL
    if value >= warn:
        return HealthStatus.WARN
    return HealthStatus.PASS


def _explain(status: HealthStatus, what: str, warn: float, fail: float) -> str | None:
    if status is HealthStatus.FAIL:
        return f"{what} is at or above the failure threshold ({fail:g})"
    if status is HealthStatus.WARN:
        return f"{what} is at or above the warning threshold ({warn:g})"
    return None


async def _timed(
    probe: Callable[[], Awaitable[object]], *, component: str, kind: str, warn_ms: float
) -> Check:
    """Run `probe` within the bound: its time in ms, `warn` when slow, `fail` on an error
    or when it does not answer in time."""
    now = utcnow()
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await probe()
    except TimeoutError:
        return Check(
            component_id=component,
            component_type=kind,
            status=HealthStatus.FAIL,
            time=now,
            output=f"no answer within {CHECK_TIMEOUT_SECONDS:g} s",
        )
    except Exception as error:  # any failure of the dependency is a fail
        return Check(
            component_id=component,
            component_type=kind,
            status=HealthStatus.FAIL,
            time=now,
            output=f"{type(error).__name__}: {error}"[:500],
        )
    elapsed_ms = (time.perf_counter() - started) * 1000
    slow = elapsed_ms >= warn_ms
    return Check(
        component_id=component,
        component_type=kind,
        observed_value=round(elapsed_ms, 3),
        observed_unit="ms",
        status=HealthStatus.WARN if slow else HealthStatus.PASS,
        time=now,
        output=f"slower than {warn_ms:g} ms" if slow else None,
    )


class Readiness:
    """The checks of one running service; holds its own Redis client (short timeouts,
    apart from the cache's, which stops trying Redis for a while after a failure)."""

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        *,
        dispatcher: Heartbeat,
        generation_runner: Heartbeat,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.workers: dict[str, tuple[bool, Heartbeat]] = {
            "outbox-dispatcher": (settings.dispatcher_enabled, dispatcher),
            "generation-runner": (settings.generation_runner_enabled, generation_runner),
        }
        self._redis = (
            redis.asyncio.Redis.from_url(
                settings.redis_url,
                socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
                # A pooled connection a restarted Redis dropped fails once: try it anew.
                retry=Retry(NoBackoff(), 1),
                retry_on_error=[RedisConnectionError],
            )
            if settings.redis_url
            else None
        )

    async def report(self) -> HealthReport:
        """Every check, at once; the overall status is the worst of them."""
        checks: dict[str, list[Check]] = {}
        database, cache = await asyncio.gather(self.database(), self.redis())
        checks["database:responseTime"] = [database]
        if cache is not None:
            checks["redis:responseTime"] = [cache]
        now = utcnow()
        checks["disk:utilization"] = [self.disk(now)]
        checks["memory:utilization"] = [self.memory(now)]
        checks["workers:lag"] = self.worker_lags(now)
        status = worst([check.status for entries in checks.values() for check in entries])
        return HealthReport(
            status=status,
            version=__version__.split(".", 1)[0],
            release_id=__version__,
            service_id=SERVICE_ID,
            description=DESCRIPTION,
            checks=checks,
        )

    async def database(self) -> Check:
        """`SELECT 1` on a pooled connection; slow from the slow-statement threshold."""

        async def select_one() -> None:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        return await _timed(
            select_one,
            component=self.engine.dialect.name,
            kind="datastore",
            warn_ms=self.settings.slow_query_threshold_ms,
        )

    async def redis(self) -> Check | None:
        """PING, when the service uses Redis."""
        client = self._redis
        if client is None:
            return None

        async def ping() -> None:
            await client.ping()

        return await _timed(ping, component="redis", kind="datastore", warn_ms=REDIS_WARN_MS)

    def disk(self, now: datetime) -> Check:
        settings = self.settings
        try:
            usage = disk_usage(settings.data_dir)
        except OSError as error:
            return Check(
                component_type="system", status=HealthStatus.FAIL, time=now, output=str(error)
            )
        warn, fail = settings.readiness_disk_warn_percent, settings.readiness_disk_fail_percent
        status = _status(usage.used_percent, warn, fail)
        return Check(
            component_id=usage.path,
            component_type="system",
            observed_value=usage.used_percent,
            observed_unit="percent",
            status=status,
            time=now,
            output=_explain(status, "the data directory's disk use (percent)", warn, fail),
        )

    def memory(self, now: datetime) -> Check:
        settings = self.settings
        used = memory_percent()
        warn = settings.readiness_memory_warn_percent
        fail = settings.readiness_memory_fail_percent
        status = _status(used, warn, fail)
        return Check(
            component_type="system",
            observed_value=used,
            observed_unit="percent",
            status=status,
            time=now,
            output=_explain(status, "the machine's memory use (percent)", warn, fail),
        )

    def worker_lags(self, now: datetime) -> list[Check]:
        """Per worker: seconds since its loop last finished a round (each round polls
        its queue, so a stuck or failing worker's lag grows). A worker switched off in
        this process (it runs elsewhere, e.g. `shiftplanner worker`) passes, saying so."""
        warn = self.settings.readiness_worker_lag_warn_seconds
        fail = self.settings.readiness_worker_lag_fail_seconds
        checks = []
        for name, (enabled, heartbeat) in self.workers.items():
            if not enabled:
                checks.append(
                    Check(
                        component_id=name,
                        component_type="component",
                        status=HealthStatus.PASS,
                        time=now,
                        output="disabled in this process",
                    )
                )
                continue
            age = heartbeat()
            if age is None:
                checks.append(
                    Check(
                        component_id=name,
                        component_type="component",
                        status=HealthStatus.FAIL,
                        time=now,
                        output="enabled but not running",
                    )
                )
                continue
            status = _status(age, warn, fail)
            checks.append(
                Check(
                    component_id=name,
                    component_type="component",
                    observed_value=round(age, 3),
                    observed_unit="s",
                    status=status,
                    time=now,
                    output=_explain(status, "seconds since its last round", warn, fail),
                )
            )
        return checks

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
