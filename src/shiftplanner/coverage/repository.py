from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import CoverageRequirement, ShiftType


class CoverageRequirementRepository(OrgScopedRepository[CoverageRequirement]):
    model = CoverageRequirement

    def filtered(
        self, org_id: int, *, team_id: int | None, shift_type_id: int | None
    ) -> Select[CoverageRequirement]:
        query = self.scoped(org_id)
        if shift_type_id is not None:
            query = query.where(CoverageRequirement.shift_type_id == shift_type_id)
        if team_id is not None:
            query = query.where(
                CoverageRequirement.shift_type_id.in_(
                    select(ShiftType.id).where(ShiftType.team_id == team_id)
                )
            )
        return query

    async def find_same(
        self, shift_type_id: int, *, weekday: str | None, day: date | None
    ) -> CoverageRequirement | None:
        """The shift type's requirement for that weekday (template) or date (override)."""
        query = select(CoverageRequirement).where(
            CoverageRequirement.shift_type_id == shift_type_id
        )
        query = query.where(
            CoverageRequirement.weekday == weekday
            if weekday is not None
            else CoverageRequirement.date == day
        )
        return (await self.session.scalars(query)).one_or_none()
