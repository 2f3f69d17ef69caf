from __future__ import annotations

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
