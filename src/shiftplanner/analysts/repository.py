from __future__ import annotations

from sqlalchemy import Select, exists, func, select
from sqlalchemy.dialects.postgresql import JSONB

from shiftplanner.db import is_postgresql
from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import Absence, Analyst, Assignment


class AnalystRepository(OrgScopedRepository[Analyst]):
    model = Analyst

    def filtered(
        self, org_id: int, *, team_id: int | None, is_active: bool | None, skill: str | None
    ) -> Select[Analyst]:
        query = self.scoped(org_id)
        if team_id is not None:
            query = query.where(Analyst.team_id == team_id)
        if is_active is not None:
            query = query.where(Analyst.is_active == is_active)
        if skill is not None:
            if is_postgresql(self.session):
                query = query.where(func.cast(Analyst.skills, JSONB).contains([skill]))
            else:
                skills = func.json_each(Analyst.skills).table_valued("value")
                query = query.where(select(skills.c.value).where(skills.c.value == skill).exists())
        return query

    async def get_by_email(self, org_id: int, email: str) -> Analyst | None:
        result = await self.session.scalars(self.scoped(org_id).where(Analyst.email == email))
        return result.one_or_none()

    async def get_by_user(self, org_id: int, user_id: int) -> Analyst | None:
        result = await self.session.scalars(self.scoped(org_id).where(Analyst.user_id == user_id))
        return result.one_or_none()

    async def has_history(self, analyst_id: int) -> bool:
        """Whether assignments or absences refer to the analyst."""
        query = select(
            exists().where(Assignment.analyst_id == analyst_id)
            | exists().where(Absence.analyst_id == analyst_id)
        )
        return bool(await self.session.scalar(query))

    async def count_active_by_org(self) -> dict[int, int]:
        rows = await self.session.execute(
            select(Analyst.org_id, func.count())
            .where(Analyst.is_active.is_(True))
            .group_by(Analyst.org_id)
        )
        return {org_id: int(count) for org_id, count in rows}
