from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from shiftplanner.absences import schemas
from shiftplanner.absences import service as absence_service
from shiftplanner.analysts.dependencies import AnalystQuery, ensure_analyst
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import Day, IdPath
from shiftplanner.kit.versions import IfMatch, etag, required_version, stale_as_precondition
from shiftplanner.models import AbsenceStatus
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.security.dependencies import CurrentActor, ManagerActor, StaffActor

router = APIRouter(prefix="/api/absences", tags=["absences"])

NOT_FOUND = problems({404: "No such absence, or not one you may see"})


@router.get("", response_model=Page[schemas.Absence])
async def list_absences(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    cached: CachedAnswerDep,
    analyst_id: AnalystQuery = None,
    status: Annotated[AbsenceStatus | None, Query()] = None,
    start: Annotated[
        Day | None, Query(description="Only absences that end on or after this day.")
    ] = None,
    end: Annotated[
        Day | None, Query(description="Only absences that start on or before this day.")
    ] = None,
) -> Response:
    """Absences by start date. Managers and admins see everyone's; analysts and viewers
    only their own (sick leave is personal data). Cached: see `ETag` and `X-Cache`."""

    async def answer() -> Page[schemas.Absence]:
        await ensure_analyst(session, actor, analyst_id)
        result = await absence_service.list_absences(
            session, actor, page, analyst_id=analyst_id, status=status, start=start, end=end
        )
        return Page[schemas.Absence].build(*result)

    return await cached.serve(answer)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: problem("An analyst asking for someone else"),
        409: problem("Overlaps an absence, or during a blackout"),
    },
)
async def request_absence(
    data: schemas.AbsenceCreate, session: SessionDep, actor: StaffActor
) -> schemas.Absence:
    """Request an absence: analysts for themselves, managers and admins for anyone. It
    starts as `requested` until a manager approves or rejects it. Refused (409) on days
    the analyst already has an absence, or a blackout date covers."""
    return schemas.Absence.model_validate(
        await absence_service.request_absence(session, actor, data)
    )


@router.get("/{absence_id}", responses=NOT_FOUND)
async def get_absence(
    absence_id: IdPath, session: SessionDep, actor: CurrentActor, response: Response
) -> schemas.Absence:
    """One absence (your own, unless you manage), with its version as `ETag`."""
    absence = await absence_service.get_absence(session, actor, absence_id)
    response.headers["ETag"] = etag(absence.version)
    return schemas.Absence.model_validate(absence)


@router.patch(
    "/{absence_id}",
    responses={
        **NOT_FOUND,
        **problems(
            {
                409: "Decided already, a stale `version`, or the new days overlap an absence "
                "or a blackout",
                412: "`If-Match` does not name the current version",
                428: "Neither `If-Match` nor `version` given",
            }
        ),
    },
)
async def update_absence(
    absence_id: IdPath,
    data: schemas.AbsenceUpdate,
    session: SessionDep,
    actor: StaffActor,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.Absence:
    """Change the dates, kind or note of a requested absence: your own, or (manager,
    admin) anyone's. Say which version you changed, as `If-Match` or `version`. New days
    are checked as a new request's are; a decided absence cannot be changed."""
    current = await absence_service.get_absence(session, actor, absence_id)
    expected = required_version(
        if_match=if_match,
        version=data.version,
        current=current.version,
        resource=f"Absence {absence_id}",
    )
    with stale_as_precondition(if_match):
        absence = await absence_service.update_absence(
            session, actor, absence_id, data, expected_version=expected
        )
    response.headers["ETag"] = etag(absence.version)
    return schemas.Absence.model_validate(absence)


@router.post(
    "/{absence_id}/approve",
    responses={**NOT_FOUND, 409: problem("Not requested any more, or during a blackout")},
)
async def approve_absence(
    absence_id: IdPath,
    session: SessionDep,
    actor: ManagerActor,
    data: schemas.AbsenceDecision | None = None,
) -> schemas.AbsenceApproval:
    """Approve a requested absence (manager or admin). The answer lists the assignments the
    absence strands and the conflicts it creates; the assignments stay until replaced."""
    return await absence_service.approve_absence(
        session, actor, absence_id, data or schemas.AbsenceDecision()
    )


@router.post(
    "/{absence_id}/reject", responses={**NOT_FOUND, 409: problem("Not requested any more")}
)
async def reject_absence(
    absence_id: IdPath,
    session: SessionDep,
    actor: ManagerActor,
    data: schemas.AbsenceDecision | None = None,
) -> schemas.Absence:
    """Reject a requested absence (manager or admin)."""
    absence = await absence_service.reject_absence(
        session, actor, absence_id, data or schemas.AbsenceDecision()
    )
    return schemas.Absence.model_validate(absence)


@router.post(
    "/{absence_id}/cancel",
    responses={**NOT_FOUND, 409: problem("Already decided or closed")},
)
async def cancel_absence(
    absence_id: IdPath, session: SessionDep, actor: StaffActor
) -> schemas.Absence:
    """Withdraw an absence: your own while it is requested, or (manager, admin) any
    requested or approved one."""
    return schemas.Absence.model_validate(
        await absence_service.cancel_absence(session, actor, absence_id)
    )
