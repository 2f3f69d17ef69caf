from __future__ import annotations

from sqlalchemy import Select, select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import Holiday


class HolidayRepository(OrgScopedRepository[Holiday]):
    model = Holiday

    def filtered(self, org_id: int, *, team_id: int | None) -> Select[Holiday]:
        query = self.scoped(org_id)
        return query if team_id is None else query.where(Holiday.team_id == team_id)

    async def find_same(self, team_id: int, day: object, name: str) -> Holiday | None:
        query = select(Holiday).where(
            Holiday.team_id == team_id, Holiday.date == day, Holiday.name == name
        )
        return (await self.session.scalars(query)).one_or_none()
