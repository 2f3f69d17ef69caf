from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from shiftplanner.analysts.dependencies import AnalystQuery, ensure_analyst
from shiftplanner.conflicts import service as conflict_service
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.ranges import DateRange, date_range
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.kit.versions import (
    IfMatch,
    VersionQuery,
    etag,
    required_version,
    stale_as_precondition,
)
from shiftplanner.models import Assignment
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.schedules import schemas
from shiftplanner.schedules import service as schedule_service
from shiftplanner.schedules.service import Outcome
from shiftplanner.security.dependencies import CurrentActor, ManagerActor
from shiftplanner.shifts.dependencies import ShiftTypeQuery, ensure_shift_type
from shiftplanner.teams.dependencies import TeamQuery, ensure_team

MAX_LIST_DAYS = 366

router = APIRouter(prefix="/api/schedules", tags=["schedules"])

NOT_FOUND = problems({404: "No such assignment in your organization"})
CONFLICT = problems(
    {409: "Hard scheduling conflicts (listed in `conflicts`), or a stale `version`"}
)
VERSIONED = problems(
    {
        412: "`If-Match` does not name the current version",
        428: "Neither `If-Match` nor `version` given",
    }
)


def _written(outcome: Outcome, assignment: Assignment) -> schemas.AssignmentWritten:
    return schemas.AssignmentWritten.model_validate(
        {
            **schemas.Assignment.model_validate(assignment).model_dump(),
            "conflicts": [conflict_service.to_schema(c) for c in outcome.conflicts],
        }
    )


@router.get(
    "",
    response_model=Page[schemas.Assignment],
    responses=problems({422: "Range missing, inverted or longer than 366 days"}),
)
async def list_schedule(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    period: Annotated[DateRange, Depends(date_range(MAX_LIST_DAYS))],
    cached: CachedAnswerDep,
    analyst_id: AnalystQuery = None,
    shift_type_id: ShiftTypeQuery = None,
    team_id: TeamQuery = None,
) -> Response:
    """The assignments dated within the range (at most 366 days), by date. Cached: see
    `ETag` and `X-Cache`."""

    async def answer() -> Page[schemas.Assignment]:
        await ensure_analyst(session, actor, analyst_id)
        await ensure_shift_type(session, actor, shift_type_id)
        await ensure_team(session, actor, team_id)
        result = await schedule_service.list_assignments(
            session,
            actor,
            page,
            start=period.start,
            end=period.end,
            analyst_id=analyst_id,
            shift_type_id=shift_type_id,
            team_id=team_id,
        )
        return Page[schemas.Assignment].build(*result)

    return await cached.serve(answer)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        **CONFLICT,
        422: problem("Unknown analyst or shift type, or a skill the analyst does not have"),
    },
)
async def create_assignment(
    data: schemas.AssignmentCreate, session: SessionDep, actor: ManagerActor, response: Response
) -> schemas.AssignmentWritten:
    """Book an analyst on a shift (manager or admin). Refused with 409 if it would create
    a hard conflict; warnings (coverage, rest, consecutive days) are allowed and listed."""
    outcome = await schedule_service.create_assignment(session, actor, data)
    assignment = outcome.created[0]
    response.headers["ETag"] = etag(assignment.version)
    response.headers["Location"] = f"{router.prefix}/{assignment.id}"
    return _written(outcome, assignment)


@router.post(
    "/bulk",
    responses={**CONFLICT, 422: problem("Invalid items; every one is listed in `errors`")},
)
async def bulk_write(
    data: schemas.BulkRequest, session: SessionDep, actor: ManagerActor
) -> schemas.BulkResult:
    """Create, replace (`id` + `version`) and delete up to 1,000 assignments in one
    transaction, all or nothing: if any item is refused, nothing changes and every
    refusal is listed (`errors` or `conflicts`, with `item_indexes`)."""
    outcome = await schedule_service.bulk_write(session, actor, data)
    return schemas.BulkResult.model_validate(
        {
            "created": outcome.created,
            "updated": outcome.updated,
            "deleted": outcome.deleted,
            "conflicts": [conflict_service.to_schema(c) for c in outcome.conflicts],
        },
        from_attributes=True,
    )


@router.get("/{assignment_id}", responses=NOT_FOUND)
async def get_assignment(
    assignment_id: IdPath, session: SessionDep, actor: CurrentActor, response: Response
) -> schemas.Assignment:
    """One assignment, with its version as `ETag`."""
    assignment = await schedule_service.get_assignment(session, actor, assignment_id)
    response.headers["ETag"] = etag(assignment.version)
    return schemas.Assignment.model_validate(assignment)


@router.patch("/{assignment_id}", responses={**NOT_FOUND, **CONFLICT, **VERSIONED})
async def update_assignment(
    assignment_id: IdPath,
    data: schemas.AssignmentUpdate,
    session: SessionDep,
    actor: ManagerActor,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.AssignmentWritten:
    """Change an assignment (manager or admin). Say which version you changed, as
    `If-Match` or `version`, so that a concurrent change is never overwritten unseen."""
    current = await schedule_service.get_assignment(session, actor, assignment_id)
    expected = required_version(
        if_match=if_match,
        version=data.version,
        current=current.version,
        resource=f"Assignment {assignment_id}",
    )
    with stale_as_precondition(if_match):
        outcome = await schedule_service.update_assignment(
            session, actor, assignment_id, data, expected_version=expected
        )
    assignment = outcome.updated[0]
    response.headers["ETag"] = etag(assignment.version)
    return _written(outcome, assignment)


@router.delete(
    "/{assignment_id}",
    responses={**NOT_FOUND, 409: problem("A stale `version`"), **VERSIONED},
)
async def delete_assignment(
    assignment_id: IdPath,
    session: SessionDep,
    actor: ManagerActor,
    version: VersionQuery = None,
    if_match: IfMatch = None,
) -> schemas.AssignmentDeleted:
    """Remove an assignment (manager or admin). Say which version you remove, as
    `If-Match` or `?version=`, as for a change. The answer lists the warnings it leaves,
    such as a coverage gap."""
    current = await schedule_service.get_assignment(session, actor, assignment_id)
    expected = required_version(
        if_match=if_match,
        version=version,
        current=current.version,
        resource=f"Assignment {assignment_id}",
    )
    with stale_as_precondition(if_match):
        outcome = await schedule_service.delete_assignment(
            session, actor, assignment_id, expected_version=expected
        )
    return schemas.AssignmentDeleted(
        id=assignment_id, conflicts=[conflict_service.to_schema(c) for c in outcome.conflicts]
    )
