"""Holidays of a team, once or every year."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import Conflict, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.holidays import schemas
from shiftplanner.holidays.repository import HolidayRepository
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import Holiday
from shiftplanner.security.actor import Actor
from shiftplanner.teams import service as team_service


async def list_holidays(
    session: AsyncSession, actor: Actor, params: PageParams, *, team_id: int | None = None
) -> tuple[list[Holiday], str | None]:
    repository = HolidayRepository(session)
    return await repository.page(
        repository.filtered(actor.org_id, team_id=team_id), params, keys=[Holiday.date, Holiday.id]
    )


async def get_holiday(session: AsyncSession, actor: Actor, holiday_id: int) -> Holiday:
    holiday = await HolidayRepository(session).get(actor.org_id, holiday_id)
    if holiday is None:
        raise NotFound.resource("Holiday", holiday_id)
    return holiday


async def create_holiday(
    session: AsyncSession, actor: Actor, data: schemas.HolidayCreate
) -> Holiday:
    repository = HolidayRepository(session)
    if await team_service.find_team(session, actor, data.team_id) is None:
        raise InvalidInput(f"Team {data.team_id} does not exist.", pointer="#/team_id")
    if await repository.find_same(data.team_id, data.date, data.name) is not None:
        raise Conflict(f"The team already has {data.name!r} on {data.date}.")
    holiday = await repository.add(Holiday(org_id=actor.org_id, **data.model_dump()))
    emit_resource_event(
        session, EventType.HOLIDAY_CREATED, holiday, schemas.Holiday, actor_user_id=actor.user_id
    )
    return holiday


async def update_holiday(
    session: AsyncSession, actor: Actor, holiday_id: int, data: schemas.HolidayUpdate
) -> Holiday:
    repository = HolidayRepository(session)
    holiday = await get_holiday(session, actor, holiday_id)
    values = data.changes()
    same = await repository.find_same(
        holiday.team_id, values.get("date", holiday.date), values.get("name", holiday.name)
    )
    if same is not None and same.id != holiday.id:
        raise Conflict("The team already has that holiday on that date.")
    await update_with_event(
        session,
        holiday,
        values,
        schemas.Holiday,
        EventType.HOLIDAY_UPDATED,
        actor_user_id=actor.user_id,
    )
    return holiday


async def delete_holiday(session: AsyncSession, actor: Actor, holiday_id: int) -> None:
    holiday = await get_holiday(session, actor, holiday_id)
    emit_resource_event(
        session, EventType.HOLIDAY_DELETED, holiday, schemas.Holiday, actor_user_id=actor.user_id
    )
    await HolidayRepository(session).delete(holiday)
