"""Teams: the sites or regions of an organization, each with its own time zone."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import Conflict, NotFound
from shiftplanner.events import DomainEvent, EventType, emit
from shiftplanner.events.resources import (
    apply_update,
    emit_resource_event,
    public,
    update_with_event,
)
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import Team, TeamScheduleSettings
from shiftplanner.security.actor import Actor
from shiftplanner.teams import schemas
from shiftplanner.teams.repository import TeamRepository, TeamScheduleSettingsRepository


async def get_team(session: AsyncSession, actor: Actor, team_id: int) -> Team:
    team = await TeamRepository(session).get(actor.org_id, team_id)
    if team is None:
        raise NotFound.resource("Team", team_id)
    return team


async def list_teams(
    session: AsyncSession, actor: Actor, params: PageParams
) -> tuple[list[Team], str | None]:
    repository = TeamRepository(session)
    return await repository.page(repository.scoped(actor.org_id), params)


async def _ensure_code_free(
    repository: TeamRepository, org_id: int, code: str, team_id: int | None = None
) -> None:
    existing = await repository.get_by_code(org_id, code)
    if existing is not None and existing.id != team_id:
        raise Conflict(f"Another team already has the code {code!r}.")


async def create_team(session: AsyncSession, actor: Actor, data: schemas.TeamCreate) -> Team:
    repository = TeamRepository(session)
    await _ensure_code_free(repository, actor.org_id, data.code)
    team = await repository.add(Team(org_id=actor.org_id, **data.model_dump()))
    emit_resource_event(
        session, EventType.TEAM_CREATED, team, schemas.Team, actor_user_id=actor.user_id
    )
    return team


async def update_team(
    session: AsyncSession, actor: Actor, team_id: int, data: schemas.TeamUpdate
) -> Team:
    repository = TeamRepository(session)
    team = await get_team(session, actor, team_id)
    if data.code is not None:
        await _ensure_code_free(repository, actor.org_id, data.code, team.id)
    await update_with_event(
        session,
        team,
        data.changes(),
        schemas.Team,
        EventType.TEAM_UPDATED,
        actor_user_id=actor.user_id,
    )
    return team


async def delete_team(session: AsyncSession, actor: Actor, team_id: int) -> None:
    repository = TeamRepository(session)
    team = await get_team(session, actor, team_id)
    if await repository.is_in_use(team.id):
        raise Conflict("The team still has analysts or shift types; move or delete them first.")
    emit_resource_event(
        session, EventType.TEAM_DELETED, team, schemas.Team, actor_user_id=actor.user_id
    )
    await repository.delete(team)


async def find_team(session: AsyncSession, actor: Actor, team_id: int) -> Team | None:
    """The team if it belongs to the caller's organization (for validating references)."""
    return await TeamRepository(session).get(actor.org_id, team_id)


async def teams_of_organization(session: AsyncSession, org_id: int) -> list[Team]:
    """Every team of the organization, for operations work that reads the schedule team
    by team (the alert rules on coverage)."""
    return await TeamRepository(session).all_of(org_id)


def _stored(data: schemas.ScheduleSettingsInput) -> dict[str, Any]:
    # Only the weights that were set: the others follow the solver's defaults.
    return {
        **data.model_dump(exclude={"weights"}),
        "weights": data.weights.model_dump(exclude_unset=True),
    }


async def get_schedule_settings(
    session: AsyncSession, actor: Actor, team_id: int
) -> TeamScheduleSettings:
    """The team's schedule generation settings; the defaults (not stored) if never set."""
    team = await get_team(session, actor, team_id)
    stored = await TeamScheduleSettingsRepository(session).get_for_team(actor.org_id, team.id)
    if stored is not None:
        return stored
    return TeamScheduleSettings(
        team_id=team.id, org_id=team.org_id, **_stored(schemas.ScheduleSettingsInput())
    )


async def put_schedule_settings(
    session: AsyncSession, actor: Actor, team_id: int, data: schemas.ScheduleSettingsInput
) -> TeamScheduleSettings:
    """Replace the team's schedule generation settings."""
    settings = await get_schedule_settings(session, actor, team_id)
    is_new = settings not in session
    changes = await apply_update(session, settings, _stored(data), schemas.ScheduleSettings)
    if not changes:
        return settings
    if is_new:
        session.add(settings)
        await session.flush()
    emit(
        session,
        DomainEvent(
            type=EventType.TEAM_SCHEDULE_SETTINGS_UPDATED,
            org_id=settings.org_id,
            resource_type="team",
            resource_id=settings.team_id,
            data=public(schemas.ScheduleSettings, settings),
            actor_user_id=actor.user_id,
            changes=changes,
        ),
    )
    return settings
