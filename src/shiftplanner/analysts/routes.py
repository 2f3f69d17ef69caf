from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from shiftplanner.analysts import schemas
from shiftplanner.analysts import service as analyst_service
from shiftplanner.analysts.schemas import Skill
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.security.dependencies import CurrentActor, ManagerActor
from shiftplanner.teams.dependencies import TeamQuery, ensure_team

router = APIRouter(prefix="/api/analysts", tags=["analysts"])

NOT_FOUND = problems({404: "No such analyst in your organization"})


@router.get("", response_model=Page[schemas.Analyst])
async def list_analysts(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    cached: CachedAnswerDep,
    team_id: TeamQuery = None,
    is_active: Annotated[bool | None, Query()] = None,
    skill: Annotated[
        Skill | None, Query(description="Only analysts with this skill, e.g. `screener`.")
    ] = None,
) -> Response:
    """The analysts of your organization. Cached: see `ETag` and `X-Cache`."""

    async def answer() -> Page[schemas.Analyst]:
        await ensure_team(session, actor, team_id)
        result = await analyst_service.list_analysts(
            session, actor, page, team_id=team_id, is_active=is_active, skill=skill
        )
        return Page[schemas.Analyst].build(*result)

    return await cached.serve(answer)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: problem("Email or user already taken"),
        422: problem("Unknown team or user"),
    },
)
async def create_analyst(
    data: schemas.AnalystCreate, session: SessionDep, actor: ManagerActor
) -> schemas.Analyst:
    """Add an analyst to a team (manager or admin)."""
    return schemas.Analyst.model_validate(
        await analyst_service.create_analyst(session, actor, data)
    )


@router.get("/{analyst_id}", responses=NOT_FOUND)
async def get_analyst(
    analyst_id: IdPath, session: SessionDep, actor: CurrentActor
) -> schemas.Analyst:
    """One analyst."""
    return schemas.Analyst.model_validate(
        await analyst_service.get_analyst(session, actor, analyst_id)
    )


@router.patch("/{analyst_id}", responses={**NOT_FOUND, 409: problem("Email or user already taken")})
async def update_analyst(
    analyst_id: IdPath, data: schemas.AnalystUpdate, session: SessionDep, actor: ManagerActor
) -> schemas.Analyst:
    """Change an analyst (manager or admin). Deactivating keeps their history; their
    remaining assignments show up as `inactive_analyst` conflicts."""
    return schemas.Analyst.model_validate(
        await analyst_service.update_analyst(session, actor, analyst_id, data)
    )


@router.delete(
    "/{analyst_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, 409: problem("The analyst has history; deactivate instead")},
)
async def delete_analyst(analyst_id: IdPath, session: SessionDep, actor: ManagerActor) -> None:
    """Delete an analyst who never had assignments or absences (manager or admin)."""
    await analyst_service.delete_analyst(session, actor, analyst_id)
