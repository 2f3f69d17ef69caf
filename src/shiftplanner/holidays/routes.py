from __future__ import annotations

from fastapi import APIRouter, Response, status

from shiftplanner.dependencies import SessionDep
from shiftplanner.holidays import schemas
from shiftplanner.holidays import service as holiday_service
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.security.dependencies import AdminActor, CurrentActor
from shiftplanner.teams.dependencies import TeamQuery, ensure_team

router = APIRouter(prefix="/api/holidays", tags=["holidays"])

NOT_FOUND = problems({404: "No such holiday in your organization"})


@router.get("", response_model=Page[schemas.Holiday])
async def list_holidays(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    cached: CachedAnswerDep,
    team_id: TeamQuery = None,
) -> Response:
    """Holidays of your organization's teams, by date. Cached: see `ETag` and `X-Cache`."""

    async def answer() -> Page[schemas.Holiday]:
        await ensure_team(session, actor, team_id)
        return Page[schemas.Holiday].build(
            *await holiday_service.list_holidays(session, actor, page, team_id=team_id)
        )

    return await cached.serve(answer)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems({409: "Already there"}))
async def create_holiday(
    data: schemas.HolidayCreate, session: SessionDep, actor: AdminActor
) -> schemas.Holiday:
    """Add a holiday to a team (admin)."""
    return schemas.Holiday.model_validate(
        await holiday_service.create_holiday(session, actor, data)
    )


@router.get("/{holiday_id}", responses=NOT_FOUND)
async def get_holiday(
    holiday_id: IdPath, session: SessionDep, actor: CurrentActor
) -> schemas.Holiday:
    """One holiday."""
    return schemas.Holiday.model_validate(
        await holiday_service.get_holiday(session, actor, holiday_id)
    )


@router.patch("/{holiday_id}", responses=NOT_FOUND)
async def update_holiday(
    holiday_id: IdPath, data: schemas.HolidayUpdate, session: SessionDep, actor: AdminActor
) -> schemas.Holiday:
    """Change a holiday (admin)."""
    return schemas.Holiday.model_validate(
        await holiday_service.update_holiday(session, actor, holiday_id, data)
    )


@router.delete("/{holiday_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_holiday(holiday_id: IdPath, session: SessionDep, actor: AdminActor) -> None:
    """Delete a holiday (admin)."""
    await holiday_service.delete_holiday(session, actor, holiday_id)
