from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.security.dependencies import AdminActor, CurrentActor
from shiftplanner.shifts import schemas
from shiftplanner.shifts import service as shift_service
from shiftplanner.teams.dependencies import TeamQuery, ensure_team

router = APIRouter(prefix="/api/shift-types", tags=["shift types"])

NOT_FOUND = problems({404: "No such shift type in your organization"})


@router.get("", response_model=Page[schemas.ShiftType])
async def list_shift_types(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    cached: CachedAnswerDep,
    team_id: TeamQuery = None,
    is_active: Annotated[bool | None, Query()] = None,
) -> Response:
    """The shift types of your organization's teams. Cached: see `ETag` and `X-Cache`."""

    async def answer() -> Page[schemas.ShiftType]:
        await ensure_team(session, actor, team_id)
        result = await shift_service.list_shift_types(
            session, actor, page, team_id=team_id, is_active=is_active
        )
        return Page[schemas.ShiftType].build(*result)

    return await cached.serve(answer)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problems({409: "Name taken in the team"}),
)
async def create_shift_type(
    data: schemas.ShiftTypeCreate, session: SessionDep, actor: AdminActor
) -> schemas.ShiftType:
    """Add a shift type to a team (admin). Times are local to the team; a shift whose end
    is at or before its start ends the next day."""
    return schemas.ShiftType.model_validate(
        await shift_service.create_shift_type(session, actor, data)
    )


@router.get("/{shift_type_id}", responses=NOT_FOUND)
async def get_shift_type(
    shift_type_id: IdPath, session: SessionDep, actor: CurrentActor
) -> schemas.ShiftType:
    """One shift type."""
    return schemas.ShiftType.model_validate(
        await shift_service.get_shift_type(session, actor, shift_type_id)
    )


@router.patch("/{shift_type_id}", responses={**NOT_FOUND, 409: problem("Name taken in the team")})
async def update_shift_type(
    shift_type_id: IdPath, data: schemas.ShiftTypeUpdate, session: SessionDep, actor: AdminActor
) -> schemas.ShiftType:
    """Change a shift type (admin). Existing assignments keep their dates and follow the new hours."""
    updated = await shift_service.update_shift_type(session, actor, shift_type_id, data)
    return schemas.ShiftType.model_validate(updated)


@router.delete(
    "/{shift_type_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, 409: problem("In use; deactivate instead")},
)
async def delete_shift_type(shift_type_id: IdPath, session: SessionDep, actor: AdminActor) -> None:
    """Delete a shift type no assignment uses (admin)."""
    await shift_service.delete_shift_type(session, actor, shift_type_id)
