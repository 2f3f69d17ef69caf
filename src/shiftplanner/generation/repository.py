"""Queries of schedule generation: the jobs, the queue the runner works from, and the rows
a problem is built from (read only)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.db import serialize
from shiftplanner.generation import queue
from shiftplanner.kit.pagination import PageParams, paginate
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
# pg_advisory_xact_lock key that serializes claiming jobs across replicas ("SPGENQ").
CLAIM_LOCK = 0x5350_4745_4E51


class GenerationJobRepository(OrgScopedRepository[GenerationJob]):
    model = GenerationJob

    async def count_active(self, org_id: int) -> int:
        """The organization's queued and running jobs."""
        query = select(func.count()).where(
            GenerationJob.org_id == org_id, GenerationJob.status.in_(ACTIVE)
        )
        return int(await self.session.scalar(query) or 0)

    async def newest_first(
        self,
        org_id: int,
        params: PageParams,
        *,
        team_id: int | None,
        statuses: Collection[JobStatus],
    ) -> tuple[list[GenerationJob], str | None]:
        query = self.scoped(org_id)
        if team_id is not None:
            query = query.where(GenerationJob.team_id == team_id)
        if statuses:
            query = query.where(GenerationJob.status.in_(set(statuses)))
        return await paginate(
            self.session,
            query,
            keys=[GenerationJob.created_at, GenerationJob.id],
            params=params,
            descending=True,
        )

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

    async def has_queued(self) -> bool:
        """A plain read, so that an idle runner never takes SQLite's write lock."""
        query = select(GenerationJob.id).where(GenerationJob.status == JobStatus.QUEUED)
        return (await self.session.scalars(query.limit(1))).first() is not None

    async def waiting(self) -> list[queue.WaitingJob]:
        rows = await self.session.execute(
            select(
                GenerationJob.id,
                GenerationJob.org_id,
                GenerationJob.created_at,
                GenerationJob.time_limit_seconds,
            ).where(GenerationJob.status == JobStatus.QUEUED)
        )
        return [queue.WaitingJob(*row) for row in rows]

    async def running(self, now: datetime) -> list[queue.RunningJob]:
        rows = await self.session.execute(
            select(
                GenerationJob.org_id, GenerationJob.started_at, GenerationJob.time_limit_seconds
            ).where(GenerationJob.status == JobStatus.RUNNING)
        )
        # A job claimed but not yet started by its solver process starts about now.
        return [
            queue.RunningJob(org_id, (started or now) + timedelta(seconds=limit))
            for org_id, started, limit in rows
        ]

    async def last_served(self) -> dict[int, datetime]:
        """Per organization, when its most recent job was claimed (its solver started)."""
        rows = await self.session.execute(
            select(GenerationJob.org_id, func.max(GenerationJob.claimed_at))
            .where(GenerationJob.claimed_at.is_not(None))
            .group_by(GenerationJob.org_id)
        )
        return {org_id: claimed for org_id, claimed in rows if claimed is not None}

    async def plan(
        self, *, free_solvers: int, per_org: int, now: datetime | None = None
    ) -> list[queue.Planned]:
        """The queued jobs of every organization, in the order they will get a solver."""
        now = now or utcnow()
        return queue.plan(
            await self.waiting(),
            await self.running(now),
            await self.last_served(),
            free_solvers=free_solvers,
            per_org=per_org,
            now=now,
        )

    async def claim(self, limit: int, *, per_org: int) -> list[int]:
        """Move up to `limit` queued jobs to running, fairly between organizations
        (`queue.plan`), and return their ids. Claims are serialized (an advisory lock on
        PostgreSQL, the write lock on SQLite), so two replicas never claim one job nor
        together run more than `per_org` jobs of one organization. Run it as the first
        statement of its transaction."""
        await serialize(self.session, GenerationJob.id, CLAIM_LOCK)
        now = utcnow()
        startable = [
            planned.job_id
            for planned in await self.plan(free_solvers=limit, per_org=per_org, now=now)
            if planned.starts_at <= now
        ][:limit]
        if not startable:
            return []
        claim = (
            update(GenerationJob)
            .where(GenerationJob.id.in_(startable), GenerationJob.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, claimed_at=now)
            .returning(GenerationJob.id)
            .execution_options(synchronize_session=False)
        )
        return sorted((await self.session.scalars(claim)).all())

    async def statuses(self, ids: Collection[int]) -> dict[int, JobStatus]:
        return {job_id: status for job_id, (status, _) in (await self.states(ids)).items()}

    async def states(self, ids: Collection[int]) -> dict[int, tuple[JobStatus, datetime | None]]:
        """Each job's status and when (if at all) it was asked to end early."""
        if not ids:
            return {}
        rows = await self.session.execute(
            select(GenerationJob.id, GenerationJob.status, GenerationJob.end_requested_at).where(
                GenerationJob.id.in_(set(ids))
            )
        )
        return {row.id: (row.status, row.end_requested_at) for row in rows}

    async def end_requested(self, job_id: int) -> JobStatus | None:
        """How the job was asked to end early (`stopped`, `cancelled`), if it was."""
        return await self.session.scalar(
            select(GenerationJob.end_requested).where(GenerationJob.id == job_id)
        )

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

    async def count_by_status(self) -> dict[JobStatus, int]:
        rows = await self.session.execute(
            select(GenerationJob.status, func.count()).group_by(GenerationJob.status)
        )
        return {status: int(count) for status, count in rows}

    async def solve_times(self, finished_after: datetime) -> list[tuple[datetime, datetime]]:
        """(started_at, finished_at) of the jobs whose solver finished after the time."""
        rows = await self.session.execute(
            select(GenerationJob.started_at, GenerationJob.finished_at)
            .where(
                GenerationJob.finished_at > finished_after,
                GenerationJob.started_at.is_not(None),
            )
            .order_by(GenerationJob.finished_at)
        )
        return [(started, finished) for started, finished in rows if started and finished]


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
