"""Shift types: the kinds of shift a team runs, with their hours and coverage needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


async def _check_forbidden_next(
    session: AsyncSession, actor: Actor, ids: Sequence[int], team_id: int, own_id: int | None = None
) -> None:
    found = await get_many(session, actor, ids)
    foreign = [i for i in ids if i != own_id and (i not in found or found[i].team_id != team_id)]
    if foreign:
        raise InvalidInput(
            f"Shift types {foreign} are not shift types of team {team_id}.",
            pointer="#/forbidden_next_ids",
        )


def _check_runs(least: int | None, most: int | None, *, field: str = "min_consecutive") -> None:
    """Refuse a least days in a row above the most, which no run of the shift type could
    keep (422 naming `field`)."""
    broken = schemas.run_problem(least, most)
    if broken is not None:
        raise InvalidInput(broken, pointer=f"#/{field}")


async def _forget_in_team(
    session: AsyncSession, actor: Actor, shift_type: ShiftType, team_id: int
) -> None:
    """Take a shift type that leaves the team (deleted or moved) off the team's other
    shift types' `forbidden_next_ids`."""
    for other in await ShiftTypeRepository(session).of_team(actor.org_id, team_id):
        if other.id != shift_type.id and shift_type.id in other.forbidden_next_ids:
            await update_with_event(
                session,
                other,
                {"forbidden_next_ids": [i for i in other.forbidden_next_ids if i != shift_type.id]},
                schemas.ShiftType,
                EventType.SHIFT_TYPE_UPDATED,
                actor_user_id=actor.user_id,
            )


async def create_shift_type(
    session: AsyncSession, actor: Actor, data: schemas.ShiftTypeCreate
) -> ShiftType:
    repository = ShiftTypeRepository(session)
    if await team_service.find_team(session, actor, data.team_id) is None:
        raise InvalidInput(f"Team {data.team_id} does not exist.", pointer="#/team_id")
    await _ensure_name_free(repository, data.team_id, data.name)
    await _check_forbidden_next(session, actor, data.forbidden_next_ids, data.team_id)
    _check_runs(data.min_consecutive, data.max_consecutive)
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
    # Name the field the client sent: lowering the most alone points at the most.
    _check_runs(
        values.get("min_consecutive", shift_type.min_consecutive),
        values.get("max_consecutive", shift_type.max_consecutive),
        field="min_consecutive" if "min_consecutive" in values else "max_consecutive",
    )
    team_id = values.get("team_id", shift_type.team_id)
    if "team_id" in values or "forbidden_next_ids" in values:
        await _check_forbidden_next(
            session,
            actor,
            values.get("forbidden_next_ids", shift_type.forbidden_next_ids),
            team_id,
            shift_type.id,
        )
    if team_id != shift_type.team_id:
        await _forget_in_team(session, actor, shift_type, shift_type.team_id)
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
    await _forget_in_team(session, actor, shift_type, shift_type.team_id)
    emit_resource_event(
        session,
        EventType.SHIFT_TYPE_DELETED,
        shift_type,
        schemas.ShiftType,
        actor_user_id=actor.user_id,
    )
    await repository.delete(shift_type)
