from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from shiftplanner.analysts.dependencies import AnalystFilter
from shiftplanner.conflicts import service as conflict_service
from shiftplanner.dependencies import SessionDep
from shiftplanner.errors import PreconditionFailed, PreconditionRequired, StaleVersion
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.ranges import DateRange, date_range
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath, parse_id
from shiftplanner.models import Assignment
from shiftplanner.schedules import schemas
from shiftplanner.schedules import service as schedule_service
from shiftplanner.schedules.service import Outcome
from shiftplanner.security.dependencies import CurrentActor, ManagerActor
from shiftplanner.shifts.dependencies import ShiftTypeFilter
from shiftplanner.teams.dependencies import TeamFilter

MAX_LIST_DAYS = 366

router = APIRouter(prefix="/api/schedules", tags=["schedules"])

NOT_FOUND = problems({404: "No such assignment in your organization"})
CONFLICT = problems(
    {409: "Hard scheduling conflicts (listed in `conflicts`), or a stale `version`"}
)
IfMatch = Annotated[
    str | None,
    Header(
        max_length=1024,
        description='The ETag you read, e.g. `"3"`; alternatively send `version` in the body.',
    ),
]


def etag(assignment: Assignment) -> str:
    return f'"{assignment.version}"'


def matched_version(if_match: str, current: int) -> bool:
    """Whether an If-Match header names the current version (RFC 9110: any listed tag,
    or `*`; weak tags compare by their value here)."""
    for tag in (part.strip() for part in if_match.split(",")):
        if tag == "*":
            return True
        value = tag.removeprefix("W/").strip('"')
        if parse_id(value) == current:
            return True
    return False


def _written(outcome: Outcome, assignment: Assignment) -> schemas.AssignmentWritten:
    return schemas.AssignmentWritten.model_validate(
        {
            **schemas.Assignment.model_validate(assignment).model_dump(),
            "conflicts": [conflict_service.to_schema(c) for c in outcome.conflicts],
        }
    )


@router.get("", responses=problems({422: "Range missing, inverted or longer than 366 days"}))
async def list_schedule(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    period: Annotated[DateRange, Depends(date_range(MAX_LIST_DAYS))],
    analyst_id: AnalystFilter = None,
    shift_type_id: ShiftTypeFilter = None,
    team_id: TeamFilter = None,
) -> Page[schemas.Assignment]:
    """The assignments dated within the range (at most 366 days), by date."""
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


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**CONFLICT, 422: problem("Unknown analyst or shift type")},
)
async def create_assignment(
    data: schemas.AssignmentCreate, session: SessionDep, actor: ManagerActor, response: Response
) -> schemas.AssignmentWritten:
    """Book an analyst on a shift (manager or admin). Refused with 409 if it would create
    a hard conflict; warnings (coverage, rest, consecutive days) are allowed and listed."""
    outcome = await schedule_service.create_assignment(session, actor, data)
    assignment = outcome.created[0]
    response.headers["ETag"] = etag(assignment)
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
    response.headers["ETag"] = etag(assignment)
    return schemas.Assignment.model_validate(assignment)


@router.patch(
    "/{assignment_id}",
    responses={
        **NOT_FOUND,
        **CONFLICT,
        412: problem("`If-Match` does not name the current version"),
        428: problem("Neither `If-Match` nor `version` given"),
    },
)
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
    if if_match is not None:
        if not matched_version(if_match, current.version):
            raise PreconditionFailed(f"Assignment {assignment_id} is at version {current.version}.")
        expected = current.version
    elif data.version is not None:
        expected = data.version
    else:
        raise PreconditionRequired("Send the version you read as `If-Match` or as `version`.")
    try:
        outcome = await schedule_service.update_assignment(
            session, actor, assignment_id, data, expected_version=expected
        )
    except StaleVersion as stale:
        if if_match is not None:
            raise PreconditionFailed(stale.detail) from None
        raise
    assignment = outcome.updated[0]
    response.headers["ETag"] = etag(assignment)
    return _written(outcome, assignment)


@router.delete(
    "/{assignment_id}",
    responses={**NOT_FOUND, 412: problem("`If-Match` does not name the current version")},
)
async def delete_assignment(
    assignment_id: IdPath, session: SessionDep, actor: ManagerActor, if_match: IfMatch = None
) -> schemas.AssignmentDeleted:
    """Remove an assignment (manager or admin); `If-Match` makes it conditional. The answer
    lists the warnings it leaves, such as a coverage gap."""
    current = await schedule_service.get_assignment(session, actor, assignment_id)
    expected = None
    if if_match is not None:
        if not matched_version(if_match, current.version):
            raise PreconditionFailed(f"Assignment {assignment_id} is at version {current.version}.")
        expected = current.version
    try:
        outcome = await schedule_service.delete_assignment(
            session, actor, assignment_id, expected_version=expected
        )
    except StaleVersion as stale:
        raise PreconditionFailed(stale.detail) from None
    return schemas.AssignmentDeleted(
        id=assignment_id, conflicts=[conflict_service.to_schema(c) for c in outcome.conflicts]
    )
