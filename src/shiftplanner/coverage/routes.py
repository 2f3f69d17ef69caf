from __future__ import annotations

from fastapi import APIRouter, Response, status

from shiftplanner.coverage import schemas
from shiftplanner.coverage import service as coverage_service
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.security.dependencies import CurrentActor, ManagerActor
from shiftplanner.shifts.dependencies import ShiftTypeQuery, ensure_shift_type
from shiftplanner.teams.dependencies import TeamQuery, ensure_team

router = APIRouter(prefix="/api/coverage-requirements", tags=["coverage requirements"])

NOT_FOUND = problems({404: "No such coverage requirement in your organization"})
TAKEN = problem("The shift type already has a requirement for that weekday or date")


@router.get("", response_model=Page[schemas.CoverageRequirement])
async def list_coverage_requirements(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    cached: CachedAnswerDep,
    team_id: TeamQuery = None,
    shift_type_id: ShiftTypeQuery = None,
) -> Response:
    """How many analysts each shift type needs, by shift type. Cached: see `ETag` and
    `X-Cache`."""

    async def answer() -> Page[schemas.CoverageRequirement]:
        await ensure_team(session, actor, team_id)
        await ensure_shift_type(session, actor, shift_type_id)
        result = await coverage_service.list_requirements(
            session, actor, page, team_id=team_id, shift_type_id=shift_type_id
        )
        return Page[schemas.CoverageRequirement].build(*result)

    return await cached.serve(answer)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={409: TAKEN, 422: problem("Unknown shift type, or inconsistent numbers")},
)
async def create_coverage_requirement(
    data: schemas.CoverageRequirementCreate, session: SessionDep, actor: ManagerActor
) -> schemas.CoverageRequirement:
    """Say how many analysts a shift type needs on a weekday (a template) or on one date
    (an override of the template), how many of them must cover single skills (`skills`),
    and how much a shortfall costs in schedule generation (manager or admin)."""
    return schemas.CoverageRequirement.model_validate(
        await coverage_service.create_requirement(session, actor, data)
    )


@router.get("/{requirement_id}", responses=NOT_FOUND)
async def get_coverage_requirement(
    requirement_id: IdPath, session: SessionDep, actor: CurrentActor
) -> schemas.CoverageRequirement:
    """One coverage requirement."""
    return schemas.CoverageRequirement.model_validate(
        await coverage_service.get_requirement(session, actor, requirement_id)
    )


@router.patch("/{requirement_id}", responses={**NOT_FOUND, 409: TAKEN})
async def update_coverage_requirement(
    requirement_id: IdPath,
    data: schemas.CoverageRequirementUpdate,
    session: SessionDep,
    actor: ManagerActor,
) -> schemas.CoverageRequirement:
    """Change a coverage requirement (manager or admin)."""
    updated = await coverage_service.update_requirement(session, actor, requirement_id, data)
    return schemas.CoverageRequirement.model_validate(updated)


@router.delete("/{requirement_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_coverage_requirement(
    requirement_id: IdPath, session: SessionDep, actor: ManagerActor
) -> None:
    """Remove a coverage requirement (manager or admin)."""
    await coverage_service.delete_requirement(session, actor, requirement_id)
