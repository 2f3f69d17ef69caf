"""Shift types: the kinds of shift a team runs, with their hours and coverage needs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import Conflict, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import ShiftType
from shiftplanner.security.actor import Actor
from shiftplanner.shifts import schemas
from shiftplanner.shifts.repository import ShiftTypeRepository
from shiftplanner.teams import service as team_service


async def list_shift_types(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    team_id: int | None = None,
    is_active: bool | None = None,
) -> tuple[list[ShiftType], str | None]:
    repository = ShiftTypeRepository(session)
    return await repository.page(
        repository.filtered(actor.org_id, team_id=team_id, is_active=is_active), params
    )


async def get_shift_type(session: AsyncSession, actor: Actor, shift_type_id: int) -> ShiftType:
    shift_type = await ShiftTypeRepository(session).get(actor.org_id, shift_type_id)
    if shift_type is None:
        raise NotFound.resource("Shift type", shift_type_id)
    return shift_type


async def get_many(session: AsyncSession, actor: Actor, ids: Iterable[int]) -> dict[int, ShiftType]:
    return await ShiftTypeRepository(session).get_many(actor.org_id, ids)


async def _ensure_name_free(
    repository: ShiftTypeRepository, team_id: int, name: str, shift_type_id: int | None = None
) -> None:
    other = await repository.get_by_name(team_id, name)
    if other is not None and other.id != shift_type_id:
        raise Conflict(f"The team already has a shift type named {name!r}.")


async def create_shift_type(
    session: AsyncSession, actor: Actor, data: schemas.ShiftTypeCreate
) -> ShiftType:
    repository = ShiftTypeRepository(session)
    if await team_service.find_team(session, actor, data.team_id) is None:
        raise InvalidInput(f"Team {data.team_id} does not exist.", pointer="#/team_id")
    await _ensure_name_free(repository, data.team_id, data.name)
    shift_type = await repository.add(
        ShiftType(org_id=actor.org_id, **data.model_dump(mode="python"))
    )
    emit_resource_event(
        session,
        EventType.SHIFT_TYPE_CREATED,
        shift_type,
        schemas.ShiftType,
        actor_user_id=actor.user_id,
    )
    return shift_type


async def update_shift_type(
    session: AsyncSession, actor: Actor, shift_type_id: int, data: schemas.ShiftTypeUpdate
) -> ShiftType:
    repository = ShiftTypeRepository(session)
    shift_type = await get_shift_type(session, actor, shift_type_id)
    values = data.changes()
    if (
        "team_id" in values
        and await team_service.find_team(session, actor, values["team_id"]) is None
    ):
        raise InvalidInput(f"Team {values['team_id']} does not exist.", pointer="#/team_id")
    await _ensure_name_free(
        repository,
        values.get("team_id", shift_type.team_id),
        values.get("name", shift_type.name),
        shift_type.id,
    )
    try:
        schemas.check_shape(
            values.get("start_time", shift_type.start_time),
            values.get("end_time", shift_type.end_time),
            values.get("required_headcount", shift_type.required_headcount),
            values.get("screeners_required", shift_type.screeners_required),
        )
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    await update_with_event(
        session,
        shift_type,
        values,
        schemas.ShiftType,
        EventType.SHIFT_TYPE_UPDATED,
        actor_user_id=actor.user_id,
    )
    return shift_type


async def delete_shift_type(session: AsyncSession, actor: Actor, shift_type_id: int) -> None:
    repository = ShiftTypeRepository(session)
    shift_type = await get_shift_type(session, actor, shift_type_id)
    if await repository.is_in_use(shift_type.id):
        raise Conflict(
            "Assignments use this shift type; deactivate it (`is_active: false`) instead."
        )
    emit_resource_event(
        session,
        EventType.SHIFT_TYPE_DELETED,
        shift_type,
        schemas.ShiftType,
        actor_user_id=actor.user_id,
    )
    await repository.delete(shift_type)
