"""Blackout dates: days on which absences of a team, or of one analyst, cannot be approved."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import service as analyst_service
from shiftplanner.blackouts import schemas
from shiftplanner.blackouts.repository import BlackoutDateRepository
from shiftplanner.errors import InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import Analyst, BlackoutDate
from shiftplanner.security.actor import Actor
from shiftplanner.teams import service as team_service


async def list_blackout_dates(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    team_id: int | None = None,
    analyst_id: int | None = None,
) -> tuple[list[BlackoutDate], str | None]:
    repository = BlackoutDateRepository(session)
    query = repository.filtered(actor.org_id, team_id=team_id, analyst_id=analyst_id)
    return await repository.page(query, params, keys=[BlackoutDate.start_date, BlackoutDate.id])


async def get_blackout_date(session: AsyncSession, actor: Actor, blackout_id: int) -> BlackoutDate:
    blackout = await BlackoutDateRepository(session).get(actor.org_id, blackout_id)
    if blackout is None:
        raise NotFound.resource("Blackout date", blackout_id)
    return blackout


async def create_blackout_date(
    session: AsyncSession, actor: Actor, data: schemas.BlackoutDateCreate
) -> BlackoutDate:
    if (
        data.team_id is not None
        and await team_service.find_team(session, actor, data.team_id) is None
    ):
        raise InvalidInput(f"Team {data.team_id} does not exist.", pointer="#/team_id")
    if data.analyst_id is not None and not await analyst_service.get_many(
        session, actor, [data.analyst_id]
    ):
        raise InvalidInput(f"Analyst {data.analyst_id} does not exist.", pointer="#/analyst_id")
    blackout = await BlackoutDateRepository(session).add(
        BlackoutDate(
            org_id=actor.org_id,
            team_id=data.team_id,
            analyst_id=data.analyst_id,
            start_date=data.start_date,
            end_date=data.end_date or data.start_date,
            reason=data.reason,
        )
    )
    emit_resource_event(
        session,
        EventType.BLACKOUT_DATE_CREATED,
        blackout,
        schemas.BlackoutDate,
        actor_user_id=actor.user_id,
    )
    return blackout


async def update_blackout_date(
    session: AsyncSession, actor: Actor, blackout_id: int, data: schemas.BlackoutDateUpdate
) -> BlackoutDate:
    blackout = await get_blackout_date(session, actor, blackout_id)
    values = data.changes()
    try:
        schemas.check_span(
            values.get("start_date", blackout.start_date), values.get("end_date", blackout.end_date)
        )
    except ValueError as error:
        raise InvalidInput(str(error), pointer="#/end_date") from None
    await update_with_event(
        session,
        blackout,
        values,
        schemas.BlackoutDate,
        EventType.BLACKOUT_DATE_UPDATED,
        actor_user_id=actor.user_id,
    )
    return blackout


async def delete_blackout_date(session: AsyncSession, actor: Actor, blackout_id: int) -> None:
    blackout = await get_blackout_date(session, actor, blackout_id)
    emit_resource_event(
        session,
        EventType.BLACKOUT_DATE_DELETED,
        blackout,
        schemas.BlackoutDate,
        actor_user_id=actor.user_id,
    )
    await BlackoutDateRepository(session).delete(blackout)


async def blocking(
    session: AsyncSession, actor: Actor, analyst: Analyst, start: date, end: date
) -> list[BlackoutDate]:
    """The blackouts of the analyst or their team that fall within `start`..`end`."""
    return await BlackoutDateRepository(session).overlapping(
        actor.org_id, team_id=analyst.team_id, analyst_id=analyst.id, start=start, end=end
    )
