from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import Select, exists, func, select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import Assignment, ShiftType


class AssignmentRepository(OrgScopedRepository[Assignment]):
    model = Assignment

    def in_range(
        self,
        org_id: int,
        start: date,
        end: date,
        *,
        analyst_id: int | None = None,
        shift_type_id: int | None = None,
        team_id: int | None = None,
    ) -> Select[Assignment]:
        query = self.scoped(org_id).where(Assignment.date.between(start, end))
        if analyst_id is not None:
            query = query.where(Assignment.analyst_id == analyst_id)
        if shift_type_id is not None:
            query = query.where(Assignment.shift_type_id == shift_type_id)
        if team_id is not None:
            query = query.where(
                Assignment.shift_type_id.in_(
                    select(ShiftType.id).where(ShiftType.team_id == team_id)
                )
            )
        return query

    async def of_team_on(
        self,
        org_id: int,
        team_id: int,
        days: Collection[date],
        *,
        shift_type_id: int | None = None,
        screeners_only: bool = False,
    ) -> list[tuple[Assignment, ShiftType]]:
        """The assignments of the team's shift types dated on `days`, each with its shift
        type: the candidates for who is on shift at a moment."""
        query = (
            select(Assignment, ShiftType)
            .join(ShiftType, ShiftType.id == Assignment.shift_type_id)
            .where(
                Assignment.org_id == org_id,
                ShiftType.team_id == team_id,
                Assignment.date.in_(set(days)),
            )
            .order_by(Assignment.date, ShiftType.start_time, Assignment.id)
        )
        if shift_type_id is not None:
            query = query.where(Assignment.shift_type_id == shift_type_id)
        if screeners_only:
            query = query.where(Assignment.is_screener.is_(True))
        rows = await self.session.execute(query)
        return [(assignment, shift_type) for assignment, shift_type in rows]

    async def exists_for(
        self, *, analyst_id: int | None = None, shift_type_id: int | None = None
    ) -> bool:
        condition = (
            Assignment.analyst_id == analyst_id
            if analyst_id is not None
            else Assignment.shift_type_id == shift_type_id
        )
        return bool(await self.session.scalar(select(exists().where(condition))))

    async def count_by_org(self) -> dict[int, int]:
        rows = await self.session.execute(
            select(Assignment.org_id, func.count()).group_by(Assignment.org_id)
        )
        return {org_id: int(count) for org_id, count in rows}
