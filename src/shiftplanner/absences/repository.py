from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import Select, func, select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import Absence, AbsenceStatus, Analyst


class AbsenceRepository(OrgScopedRepository[Absence]):
    model = Absence

    def filtered(
        self,
        org_id: int,
        *,
        analyst_ids: Collection[int] | None,
        status: AbsenceStatus | None,
        start: date | None,
        end: date | None,
    ) -> Select[Absence]:
        query = self.scoped(org_id)
        if analyst_ids is not None:
            query = query.where(Absence.analyst_id.in_(set(analyst_ids)))
        if status is not None:
            query = query.where(Absence.status == status)
        if start is not None:
            query = query.where(Absence.end_date >= start)
        if end is not None:
            query = query.where(Absence.start_date <= end)
        return query

    async def overlapping(
        self, analyst_id: int, start: date, end: date, *, exclude_id: int | None = None
    ) -> list[Absence]:
        """Requested or approved absences of the analyst that share a day with start..end."""
        query = select(Absence).where(
            Absence.analyst_id == analyst_id,
            Absence.status.in_([AbsenceStatus.REQUESTED, AbsenceStatus.APPROVED]),
            Absence.start_date <= end,
            Absence.end_date >= start,
        )
        if exclude_id is not None:
            query = query.where(Absence.id != exclude_id)
        return list((await self.session.scalars(query)).all())

    async def count_by_team(self, org_id: int, status: AbsenceStatus) -> dict[int, int]:
        query = (
            select(Analyst.team_id, func.count(Absence.id))
            .join(Analyst, Analyst.id == Absence.analyst_id)
            .where(Absence.org_id == org_id, Absence.status == status)
            .group_by(Analyst.team_id)
        )
        return {team_id: int(count) for team_id, count in (await self.session.execute(query)).all()}
