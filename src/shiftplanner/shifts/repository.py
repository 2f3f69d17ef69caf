from __future__ import annotations

from sqlalchemy import Select, exists, select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import Assignment, ShiftType


class ShiftTypeRepository(OrgScopedRepository[ShiftType]):
    model = ShiftType

    def filtered(
        self, org_id: int, *, team_id: int | None, is_active: bool | None
    ) -> Select[ShiftType]:
        query = self.scoped(org_id)
        if team_id is not None:
            query = query.where(ShiftType.team_id == team_id)
        if is_active is not None:
            query = query.where(ShiftType.is_active == is_active)
        return query

    async def of_team(self, org_id: int, team_id: int) -> list[ShiftType]:
        query = self.scoped(org_id).where(ShiftType.team_id == team_id).order_by(ShiftType.id)
        return list((await self.session.scalars(query)).all())

    async def get_by_name(self, team_id: int, name: str) -> ShiftType | None:
        query = select(ShiftType).where(ShiftType.team_id == team_id, ShiftType.name == name)
        return (await self.session.scalars(query)).one_or_none()

    async def is_in_use(self, shift_type_id: int) -> bool:
        query = select(exists().where(Assignment.shift_type_id == shift_type_id))
        return bool(await self.session.scalar(query))
