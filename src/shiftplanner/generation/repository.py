"""Queries of schedule generation: the jobs, the queue the runner works from, and the rows
a problem is built from (read only)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.db import is_postgresql
from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.kit.time import utcnow
from shiftplanner.models import (
    Absence,
    AbsenceStatus,
    Analyst,
    Assignment,
    CoverageRequirement,
    GenerationJob,
    Holiday,
    JobStatus,
    RequestStatus,
    ShiftRequest,
    ShiftType,
    Team,
    TeamScheduleSettings,
)

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class GenerationJobRepository(OrgScopedRepository[GenerationJob]):
    model = GenerationJob

    async def active_for_team(self, org_id: int, team_id: int) -> GenerationJob | None:
        """The team's queued or running job, if any."""
        query = self.scoped(org_id).where(
            GenerationJob.team_id == team_id, GenerationJob.status.in_(ACTIVE)
        )
        return (await self.session.scalars(query.limit(1))).first()


class JobQueue:
    """The runner's and the solver processes' view of the jobs of every organization.
    Every change of status is a conditional UPDATE on the status it expects, so two
    processes can never both move a job on."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _oldest_queued(self, limit: int) -> Select[int]:
        return (
            select(GenerationJob.id)
            .where(GenerationJob.status == JobStatus.QUEUED)
            .order_by(GenerationJob.created_at, GenerationJob.id)
            .limit(limit)
        )

    async def has_queued(self) -> bool:
        """A plain read, so that an idle runner never takes SQLite's write lock."""
        return (await self.session.scalars(self._oldest_queued(1))).first() is not None

    async def claim(self, limit: int) -> list[int]:
        """Move up to `limit` of the oldest queued jobs to running, and return their ids.
        The UPDATE checks the status again, so of two replicas claiming one job only one
        gets it. Run it as the first statement of its transaction."""
        oldest = self._oldest_queued(limit)
        if is_postgresql(self.session):
            # Lock the rows first (skipping those another replica is claiming): PostgreSQL
            # may run an `IN (SELECT ... LIMIT n FOR UPDATE)` subquery more than once and
            # so claim more than n.
            ids = list((await self.session.scalars(oldest.with_for_update(skip_locked=True))).all())
            if not ids:
                return []
            chosen = GenerationJob.id.in_(ids)
        else:
            # One statement: it takes SQLite's write lock, so nothing interleaves.
            chosen = GenerationJob.id.in_(oldest.scalar_subquery())
        claim = (
            update(GenerationJob)
            .where(chosen, GenerationJob.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING)
            .returning(GenerationJob.id)
            .execution_options(synchronize_session=False)
        )
        return sorted((await self.session.scalars(claim)).all())

    async def statuses(self, ids: Collection[int]) -> dict[int, JobStatus]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(GenerationJob.id, GenerationJob.status).where(GenerationJob.id.in_(set(ids)))
        )
        return {row.id: row.status for row in rows}

    async def fail_running(self, error: str, ids: Collection[int] | None = None) -> list[int]:
        """Mark running jobs (all of them, or those of `ids`) failed with `error`."""
        query = update(GenerationJob).where(GenerationJob.status == JobStatus.RUNNING)
        if ids is not None:
            if not ids:
                return []
            query = query.where(GenerationJob.id.in_(set(ids)))
        result = await self.session.scalars(
            query.values(status=JobStatus.FAILED, error=error, finished_at=utcnow())
            .returning(GenerationJob.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.all())

    async def start(self, job_id: int) -> GenerationJob | None:
        """The running job, stamped with the time its solver starts; None if it is not
        running (cancelled meanwhile)."""
        if not await self.update_running(job_id, started_at=utcnow()):
            return None
        return await self.session.get(GenerationJob, job_id)

    async def update_running(self, job_id: int, **values: Any) -> bool:
        """Change a job that is still running; False if it is not (cancelled, or failed
        by a restart) and nothing changed."""
        result = await self.session.scalars(
            update(GenerationJob)
            .where(GenerationJob.id == job_id, GenerationJob.status == JobStatus.RUNNING)
            .values(**values)
            .returning(GenerationJob.id)
            .execution_options(synchronize_session=False)
        )
        return result.first() is not None


class ProblemSourcesRepository:
    """The rows a team's problem is built from, each query scoped to the organization."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def team(self, org_id: int, team_id: int) -> Team | None:
        query = select(Team).where(Team.org_id == org_id, Team.id == team_id)
        return (await self.session.scalars(query)).one_or_none()

    async def team_settings(self, org_id: int, team_id: int) -> TeamScheduleSettings | None:
        query = select(TeamScheduleSettings).where(
            TeamScheduleSettings.org_id == org_id, TeamScheduleSettings.team_id == team_id
        )
        return (await self.session.scalars(query)).one_or_none()

    async def active_shift_types(self, org_id: int, team_id: int) -> list[ShiftType]:
        query = select(ShiftType).where(
            ShiftType.org_id == org_id, ShiftType.team_id == team_id, ShiftType.is_active
        )
        return list((await self.session.scalars(query.order_by(ShiftType.id))).all())

    async def active_analysts(self, org_id: int, team_id: int) -> list[Analyst]:
        query = select(Analyst).where(
            Analyst.org_id == org_id, Analyst.team_id == team_id, Analyst.is_active
        )
        return list((await self.session.scalars(query.order_by(Analyst.id))).all())

    async def approved_absences(
        self, org_id: int, analyst_ids: Collection[int], start: date, end: date
    ) -> list[Absence]:
        query = select(Absence).where(
            Absence.org_id == org_id,
            Absence.analyst_id.in_(set(analyst_ids)),
            Absence.status == AbsenceStatus.APPROVED,
            Absence.start_date <= end,
            Absence.end_date >= start,
        )
        return list((await self.session.scalars(query.order_by(Absence.id))).all())

    async def holidays(self, org_id: int, team_id: int) -> list[Holiday]:
        query = select(Holiday).where(Holiday.org_id == org_id, Holiday.team_id == team_id)
        return list((await self.session.scalars(query.order_by(Holiday.id))).all())

    async def requirements(
        self, org_id: int, shift_type_ids: Collection[int], start: date, end: date
    ) -> list[CoverageRequirement]:
        """The shift types' weekday templates, and their overrides in the range."""
        query = select(CoverageRequirement).where(
            CoverageRequirement.org_id == org_id,
            CoverageRequirement.shift_type_id.in_(set(shift_type_ids)),
            or_(
                CoverageRequirement.weekday.is_not(None),
                CoverageRequirement.date.between(start, end),
            ),
        )
        return list((await self.session.scalars(query.order_by(CoverageRequirement.id))).all())

    async def requests(
        self, org_id: int, analyst_ids: Collection[int], start: date, end: date
    ) -> list[ShiftRequest]:
        query = select(ShiftRequest).where(
            ShiftRequest.org_id == org_id,
            ShiftRequest.analyst_id.in_(set(analyst_ids)),
            ShiftRequest.status != RequestStatus.REJECTED,
            ShiftRequest.date.between(start, end),
        )
        return list((await self.session.scalars(query.order_by(ShiftRequest.id))).all())

    async def assignments(
        self, org_id: int, analyst_ids: Collection[int], first: date, last: date
    ) -> list[Assignment]:
        """The analysts' assignments dated `first`..`last`, on any team's shift types."""
        query = select(Assignment).where(
            Assignment.org_id == org_id,
            Assignment.analyst_id.in_(set(analyst_ids)),
            Assignment.date.between(first, last),
        )
        return list((await self.session.scalars(query.order_by(Assignment.id))).all())

    async def shift_types_with_zones(
        self, org_id: int, ids: Collection[int]
    ) -> dict[int, tuple[ShiftType, str]]:
        """The shift types `ids`, each with its team's time zone."""
        rows = await self.session.execute(
            select(ShiftType, Team.timezone)
            .join(Team, Team.id == ShiftType.team_id)
            .where(ShiftType.org_id == org_id, ShiftType.id.in_(set(ids)))
        )
        return {shift.id: (shift, timezone) for shift, timezone in rows}

    async def night_shift_ids(self, org_id: int, ids: Collection[int]) -> frozenset[int]:
        query = select(ShiftType.id).where(
            ShiftType.org_id == org_id, ShiftType.id.in_(set(ids)), ShiftType.is_night
        )
        return frozenset((await self.session.scalars(query)).all())


class ScheduleScopeRepository:
    """The part of the schedule a job plans and an apply rewrites."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _team(self, org_id: int, team_id: int, start: date, end: date) -> Select[int, int]:
        """Assignments in the range on the team's shift types or of the team's analysts."""
        return select(Assignment.id, Assignment.version).where(
            Assignment.org_id == org_id,
            Assignment.date.between(start, end),
            or_(
                Assignment.shift_type_id.in_(
                    select(ShiftType.id).where(ShiftType.team_id == team_id)
                ),
                Assignment.analyst_id.in_(select(Analyst.id).where(Analyst.team_id == team_id)),
            ),
        )

    async def fingerprint(self, org_id: int, team_id: int, start: date, end: date) -> str:
        """sha256 of the ids and versions of the team's assignments in the range: any
        write there (create, change, delete) changes it."""
        rows = await self.session.execute(
            self._team(org_id, team_id, start, end).order_by(Assignment.id)
        )
        digest = hashlib.sha256()
        for assignment_id, version in rows:
            digest.update(f"{assignment_id}:{version}\n".encode())
        return digest.hexdigest()

    async def planned(
        self,
        org_id: int,
        analyst_ids: Collection[int],
        shift_type_ids: Collection[int],
        start: date,
        end: date,
    ) -> Sequence[Assignment]:
        """The assignments a problem over these analysts and shift types covers."""
        query = select(Assignment).where(
            Assignment.org_id == org_id,
            Assignment.date.between(start, end),
            Assignment.analyst_id.in_(set(analyst_ids)),
            Assignment.shift_type_id.in_(set(shift_type_ids)),
        )
        return list((await self.session.scalars(query.order_by(Assignment.id))).all())
