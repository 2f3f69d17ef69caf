from __future__ import annotations

from sqlalchemy import exists, select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import Analyst, ShiftType, Team, TeamScheduleSettings


class TeamRepository(OrgScopedRepository[Team]):
    model = Team

    async def get_by_code(self, org_id: int, code: str) -> Team | None:
        result = await self.session.scalars(self.scoped(org_id).where(Team.code == code))
        return result.one_or_none()

    async def is_in_use(self, team_id: int) -> bool:
        """Whether analysts or shift types still belong to the team."""
        query = select(
            exists().where(Analyst.team_id == team_id)
            | exists().where(ShiftType.team_id == team_id)
        )
        return bool(await self.session.scalar(query))

    async def all_of(self, org_id: int) -> list[Team]:
        return list((await self.session.scalars(self.scoped(org_id).order_by(Team.id))).all())


class TeamScheduleSettingsRepository(OrgScopedRepository[TeamScheduleSettings]):
    model = TeamScheduleSettings

    async def get_for_team(self, org_id: int, team_id: int) -> TeamScheduleSettings | None:
        query = self.scoped(org_id).where(TeamScheduleSettings.team_id == team_id)
        return (await self.session.scalars(query)).one_or_none()
