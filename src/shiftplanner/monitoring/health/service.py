"""Readiness for callers other than the route: the availability probe asks it every
few seconds, so it is cheap (a `SELECT 1`, a PING, a few `/proc` reads) and bounded
(`checks.CHECK_TIMEOUT_SECONDS`)."""

from __future__ import annotations

from shiftplanner.monitoring.health.schemas import HealthReport
from shiftplanner.runtime import Runtime


async def readiness(runtime: Runtime) -> HealthReport:
    """The readiness document of this process: each check and the worst status."""
    return await runtime.monitoring.readiness.report()


async def is_ready(runtime: Runtime) -> bool:
    """Whether the service can serve: no check fails (a warning still serves)."""
    return (await readiness(runtime)).ready
