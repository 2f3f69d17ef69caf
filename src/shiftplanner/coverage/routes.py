from __future__ import annotations

from fastapi import APIRouter, status

from shiftplanner.coverage import schemas
from shiftplanner.coverage import service as coverage_service
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.security.dependencies import CurrentActor, ManagerActor
from shiftplanner.shifts.dependencies import ShiftTypeFilter
from shiftplanner.teams.dependencies import TeamFilter

router = APIRouter(prefix="/api/coverage-requirements", tags=["coverage requirements"])

NOT_FOUND = problems({404: "No such coverage requirement in your organization"})
TAKEN = problem("The shift type already has a requirement for that weekday or date")


@router.get("")
async def list_coverage_requirements(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    team_id: TeamFilter = None,
    shift_type_id: ShiftTypeFilter = None,
) -> Page[schemas.CoverageRequirement]:
    """How many analysts each shift type needs, by shift type."""
    result = await coverage_service.list_requirements(
        session, actor, page, team_id=team_id, shift_type_id=shift_type_id
    )
    return Page[schemas.CoverageRequirement].build(*result)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={409: TAKEN, 422: problem("Unknown shift type, or inconsistent numbers")},
)
async def create_coverage_requirement(
    data: schemas.CoverageRequirementCreate, session: SessionDep, actor: ManagerActor
) -> schemas.CoverageRequirement:
    """Say how many analysts a shift type needs on a weekday (a template) or on one date
    (an override of the template), and how much a shortfall costs in schedule generation
    (manager or admin)."""
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
