from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from shiftplanner.absences import schemas
from shiftplanner.absences import service as absence_service
from shiftplanner.analysts.dependencies import AnalystFilter
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import Day, IdPath
from shiftplanner.models import AbsenceStatus
from shiftplanner.security.dependencies import CurrentActor, ManagerActor, StaffActor

router = APIRouter(prefix="/api/absences", tags=["absences"])

NOT_FOUND = problems({404: "No such absence, or not one you may see"})


@router.get("")
async def list_absences(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    analyst_id: AnalystFilter = None,
    status: Annotated[AbsenceStatus | None, Query()] = None,
    start: Annotated[
        Day | None, Query(description="Only absences that end on or after this day.")
    ] = None,
    end: Annotated[
        Day | None, Query(description="Only absences that start on or before this day.")
    ] = None,
) -> Page[schemas.Absence]:
    """Absences by start date. Managers and admins see everyone's; analysts and viewers
    only their own (sick leave is personal data)."""
    result = await absence_service.list_absences(
        session, actor, page, analyst_id=analyst_id, status=status, start=start, end=end
    )
    return Page[schemas.Absence].build(*result)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: problem("An analyst asking for someone else"),
        409: problem("Overlaps an absence"),
    },
)
async def request_absence(
    data: schemas.AbsenceCreate, session: SessionDep, actor: StaffActor
) -> schemas.Absence:
    """Request an absence: analysts for themselves, managers and admins for anyone. It
    starts as `requested` until a manager approves or rejects it."""
    return schemas.Absence.model_validate(
        await absence_service.request_absence(session, actor, data)
    )


@router.get("/{absence_id}", responses=NOT_FOUND)
async def get_absence(
    absence_id: IdPath, session: SessionDep, actor: CurrentActor
) -> schemas.Absence:
    """One absence (your own, unless you manage)."""
    return schemas.Absence.model_validate(
        await absence_service.get_absence(session, actor, absence_id)
    )


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
