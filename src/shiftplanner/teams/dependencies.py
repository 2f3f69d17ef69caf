from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.filters import unknown
from shiftplanner.kit.validators import Id
from shiftplanner.security.actor import Actor
from shiftplanner.security.dependencies import CurrentActor
from shiftplanner.teams import service as team_service

TeamQuery = Annotated[Id | None, Query(description="Only what belongs to this team.")]


async def ensure_team(session: AsyncSession, actor: Actor, team_id: int | None) -> None:
    """A `team_id` filter must name one of the caller's organization's (else 422)."""
    if team_id is not None and await team_service.find_team(session, actor, team_id) is None:
        raise unknown("team_id", "Team", team_id)


async def team_filter(
    session: SessionDep, actor: CurrentActor, team_id: TeamQuery = None
) -> int | None:
    await ensure_team(session, actor, team_id)
    return team_id


TeamFilter = Annotated[int | None, Depends(team_filter)]
