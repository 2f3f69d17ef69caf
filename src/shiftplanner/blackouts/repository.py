from __future__ import annotations

from datetime import date

from sqlalchemy import Select, or_

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import BlackoutDate


class BlackoutDateRepository(OrgScopedRepository[BlackoutDate]):
    model = BlackoutDate

    def filtered(
        self, org_id: int, *, team_id: int | None, analyst_id: int | None
    ) -> Select[BlackoutDate]:
        query = self.scoped(org_id)
        if team_id is not None:
            query = query.where(BlackoutDate.team_id == team_id)
        if analyst_id is not None:
            query = query.where(BlackoutDate.analyst_id == analyst_id)
        return query

    async def overlapping(
        self, org_id: int, *, team_id: int, analyst_id: int, start: date, end: date
    ) -> list[BlackoutDate]:
        query = self.scoped(org_id).where(
            or_(BlackoutDate.team_id == team_id, BlackoutDate.analyst_id == analyst_id),
            BlackoutDate.start_date <= end,
            BlackoutDate.end_date >= start,
        )
        return list((await self.session.scalars(query.order_by(BlackoutDate.start_date))).all())
