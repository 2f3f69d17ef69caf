"""The domain gauges: assignments, active analysts and open conflicts per organization,
generation jobs by status, and the solve time of jobs as they finish.

They are refreshed on a schedule (`SHIFTPLANNER_DOMAIN_METRICS_INTERVAL_SECONDS`), not
per scrape, and by one process only (`is_leader`: the leader lock, trivially true with
one process), so that N replicas do not run the same counts N times. Everything is read
through the domains' service read functions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.analysts import service as analyst_service
from shiftplanner.config import Settings
from shiftplanner.conflicts import service as conflict_service
from shiftplanner.conflicts.facts import Severity
from shiftplanner.generation import service as generation_service
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.monitoring.metrics import (
    ANALYSTS,
    ASSIGNMENTS,
    GENERATION_JOBS,
    GENERATION_SOLVE_DURATION,
    OPEN_CONFLICTS,
)
from shiftplanner.orgs import service as org_service
from shiftplanner.schedules import service as schedule_service

log = get_logger(__name__)

# Open conflicts are counted from today (UTC) over this many days.
CONFLICT_HORIZON_DAYS = 28

IsLeader = Callable[[], Awaitable[bool]]


class DomainMetrics:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        is_leader: IsLeader,
    ) -> None:
        self.interval = settings.domain_metrics_interval_seconds
        # Multiprocess mode cannot remove a series (prometheus-client keeps each process's
        # file): an organization that is gone is set to 0 there instead.
        self.multiprocess = settings.prometheus_multiproc_dir is not None
        self.session_factory = session_factory
        self.is_leader = is_leader
        # Solve times are observed for jobs finished after this (then the newest seen).
        self.finished_after: datetime = utcnow()
        self.refreshed_at: datetime | None = None
        self._orgs: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="domain-metrics")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                if await self.is_leader():
                    await self.refresh()
            except Exception:
                log.exception("domain_metrics_refresh_failed")

    async def refresh(self, today: date | None = None) -> None:
        """Count everything once and set the gauges (this is what the schedule runs)."""
        today = today or utcnow().date()
        last = today + timedelta(days=CONFLICT_HORIZON_DAYS - 1)
        async with self.session_factory() as session:
            org_ids = await org_service.organization_ids(session)
            assignments = await schedule_service.count_by_organization(session)
            analysts = await analyst_service.count_active_by_organization(session)
            conflicts = {
                org_id: await conflict_service.count_by_severity(session, org_id, today, last)
                for org_id in org_ids
            }
            jobs = await generation_service.count_jobs_by_status(session)
            solved = await generation_service.solve_durations(session, self.finished_after)
        orgs = {str(org_id) for org_id in org_ids}
        for org_id in org_ids:
            label = str(org_id)
            ASSIGNMENTS.labels(label).set(assignments.get(org_id, 0))
            ANALYSTS.labels(label).set(analysts.get(org_id, 0))
            for severity, count in conflicts[org_id].items():
                OPEN_CONFLICTS.labels(label, severity.value).set(count)
        for gone in self._orgs - orgs:
            self._forget(gone)
        self._orgs = orgs
        for status, count in jobs.items():
            GENERATION_JOBS.labels(status.value).set(count)
        for finished, seconds in solved:
            GENERATION_SOLVE_DURATION.observe(seconds)
            self.finished_after = max(self.finished_after, finished)
        self.refreshed_at = utcnow()

    def _forget(self, org: str) -> None:
        severities = [severity.value for severity in Severity]
        if self.multiprocess:
            ASSIGNMENTS.labels(org).set(0)
            ANALYSTS.labels(org).set(0)
            for severity in severities:
                OPEN_CONFLICTS.labels(org, severity).set(0)
            return
        ASSIGNMENTS.remove(org)
        ANALYSTS.remove(org)
        for severity in severities:
            OPEN_CONFLICTS.remove(org, severity)
