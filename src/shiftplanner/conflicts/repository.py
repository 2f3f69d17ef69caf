"""Loading the facts the conflict rules need, in a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.conflicts.facts import (
    AbsenceFacts,
    AnalystFacts,
    AssignmentFacts,
    Rules,
    ShiftFacts,
)
from shiftplanner.coverage.needs import TeamCoverage
from shiftplanner.kit.time import Weekday
from shiftplanner.models import (
    SCREENER_SKILL,
    Absence,
    AbsenceStatus,
    Analyst,
    Assignment,
    CoverageRequirement,
    Holiday,
    Organization,
    ShiftType,
    Team,
    TeamScheduleSettings,
)


class ConflictFactsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rules(self, org_id: int) -> Rules:
        org = await self.session.get(Organization, org_id)
        if org is None:
            return Rules()
        return Rules(
            min_rest_hours=org.min_rest_hours, max_consecutive_days=org.max_consecutive_days
        )

    async def shifts(self, org_id: int) -> dict[int, ShiftFacts]:
        rows = await self.session.execute(
            select(ShiftType, Team.timezone)
            .join(Team, Team.id == ShiftType.team_id)
            .where(ShiftType.org_id == org_id)
        )
        return {
            shift.id: ShiftFacts(
                id=shift.id,
                name=shift.name,
                team_id=shift.team_id,
                timezone=timezone,
                start_time=shift.start_time,
                end_time=shift.end_time,
                days_of_week=frozenset(Weekday(day) for day in shift.days_of_week),
                required_headcount=shift.required_headcount,
                screeners_required=shift.screeners_required,
                is_active=shift.is_active,
                max_consecutive=shift.max_consecutive,
                forbidden_next=frozenset(shift.forbidden_next_ids),
            )
            for shift, timezone in rows
        }

    async def coverage(self, org_id: int, first: date, last: date) -> dict[int, TeamCoverage]:
        """Each team's coverage rules for judging `first`..`last`: its shift types'
        templates and overrides, its holidays and its settings."""
        requirements = await self.session.execute(
            select(CoverageRequirement, ShiftType.team_id)
            .join(ShiftType, ShiftType.id == CoverageRequirement.shift_type_id)
            .where(
                CoverageRequirement.org_id == org_id,
                or_(
                    CoverageRequirement.weekday.is_not(None),
                    CoverageRequirement.date.between(first, last),
                ),
            )
        )
        by_team: dict[int, list[CoverageRequirement]] = defaultdict(list)
        for requirement, team_id in requirements:
            by_team[team_id].append(requirement)
        holidays: dict[int, list[Holiday]] = defaultdict(list)
        for holiday in await self.session.scalars(select(Holiday).where(Holiday.org_id == org_id)):
            holidays[holiday.team_id].append(holiday)
        settings = {
            row.team_id: row
            for row in await self.session.scalars(
                select(TeamScheduleSettings).where(TeamScheduleSettings.org_id == org_id)
            )
        }
        return {
            team_id: TeamCoverage.of(by_team[team_id], holidays[team_id], settings.get(team_id))
            for team_id in by_team.keys() | holidays.keys() | settings.keys()
        }

    async def analysts(self, org_id: int) -> dict[int, AnalystFacts]:
        rows = await self.session.execute(
            select(Analyst, Team.timezone)
            .join(Team, Team.id == Analyst.team_id)
            .where(Analyst.org_id == org_id)
        )
        return {
            analyst.id: AnalystFacts(
                id=analyst.id,
                name=analyst.name,
                team_id=analyst.team_id,
                timezone=timezone,
                is_active=analyst.is_active,
                is_screener=SCREENER_SKILL in analyst.skills,
                skills=frozenset(analyst.skills),
                max_consecutive_days=analyst.contract.get("max_consecutive_days"),
            )
            for analyst, timezone in rows
        }

    async def assignments(
        self,
        org_id: int,
        first: date,
        last: date,
        *,
        analyst_ids: Collection[int] | None = None,
        shift_days: Collection[tuple[int, date]] = (),
    ) -> list[AssignmentFacts]:
        """Assignments dated `first`..`last`: all of them, or only those of the given
        analysts plus those on the given (shift type, date) pairs."""
        query = select(
            Assignment.id,
            Assignment.analyst_id,
            Assignment.shift_type_id,
            Assignment.date,
            Assignment.is_screener,
            Assignment.skill,
        ).where(Assignment.org_id == org_id, Assignment.date.between(first, last))
        if analyst_ids is not None:
            scope = [Assignment.analyst_id.in_(set(analyst_ids))] if analyst_ids else []
            if shift_days:
                scope.append(
                    tuple_(Assignment.shift_type_id, Assignment.date).in_(list(set(shift_days)))
                )
            if not scope:
                return []
            query = query.where(or_(*scope))
        rows = await self.session.execute(query)
        return [
            AssignmentFacts(
                id=id_,
                analyst_id=analyst_id,
                shift_type_id=shift_type_id,
                date=day,
                is_screener=screener,
                skill=skill,
            )
            for id_, analyst_id, shift_type_id, day, screener, skill in rows
        ]

    async def approved_absences(
        self, org_id: int, first: date, last: date, *, analyst_ids: Collection[int] | None = None
    ) -> list[AbsenceFacts]:
        query = select(Absence.id, Absence.analyst_id, Absence.start_date, Absence.end_date).where(
            Absence.org_id == org_id,
            Absence.status == AbsenceStatus.APPROVED,
            and_(Absence.start_date <= last, Absence.end_date >= first),
        )
        if analyst_ids is not None:
            query = query.where(Absence.analyst_id.in_(set(analyst_ids)))
        rows = await self.session.execute(query)
        return [
            AbsenceFacts(id=id_, analyst_id=analyst_id, start_date=start, end_date=end)
            for id_, analyst_id, start, end in rows
        ]
