from __future__ import annotations

from fastapi import APIRouter, Response, status

from shiftplanner.analysts.dependencies import AnalystQuery, ensure_analyst
from shiftplanner.blackouts import schemas
from shiftplanner.blackouts import service as blackout_service
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.security.dependencies import CurrentActor, ManagerActor
from shiftplanner.teams.dependencies import TeamQuery, ensure_team

router = APIRouter(prefix="/api/blackout-dates", tags=["blackout dates"])

NOT_FOUND = problems({404: "No such blackout date in your organization"})


@router.get("", response_model=Page[schemas.BlackoutDate])
async def list_blackout_dates(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    cached: CachedAnswerDep,
    team_id: TeamQuery = None,
    analyst_id: AnalystQuery = None,
) -> Response:
    """Days on which absences cannot be approved, by start date. Cached: see `ETag` and
    `X-Cache`."""

    async def answer() -> Page[schemas.BlackoutDate]:
        await ensure_team(session, actor, team_id)
        await ensure_analyst(session, actor, analyst_id)
        result = await blackout_service.list_blackout_dates(
            session, actor, page, team_id=team_id, analyst_id=analyst_id
        )
        return Page[schemas.BlackoutDate].build(*result)

    return await cached.serve(answer)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_blackout_date(
    data: schemas.BlackoutDateCreate, session: SessionDep, actor: ManagerActor
) -> schemas.BlackoutDate:
    """Block absences for a team or one analyst over one or more days (manager or admin).
    Absences already approved stay approved."""
    return schemas.BlackoutDate.model_validate(
        await blackout_service.create_blackout_date(session, actor, data)
    )


@router.get("/{blackout_id}", responses=NOT_FOUND)
async def get_blackout_date(
    blackout_id: IdPath, session: SessionDep, actor: CurrentActor
) -> schemas.BlackoutDate:
    """One blackout."""
    return schemas.BlackoutDate.model_validate(
        await blackout_service.get_blackout_date(session, actor, blackout_id)
    )


@router.patch("/{blackout_id}", responses=NOT_FOUND)
async def update_blackout_date(
    blackout_id: IdPath, data: schemas.BlackoutDateUpdate, session: SessionDep, actor: ManagerActor
) -> schemas.BlackoutDate:
    """Move a blackout or change its reason (manager or admin)."""
    updated = await blackout_service.update_blackout_date(session, actor, blackout_id, data)
    return schemas.BlackoutDate.model_validate(updated)


@router.delete("/{blackout_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_blackout_date(
    blackout_id: IdPath, session: SessionDep, actor: ManagerActor
) -> None:
    """Lift a blackout (manager or admin)."""
    await blackout_service.delete_blackout_date(session, actor, blackout_id)
