from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from shiftplanner.analysts.dependencies import AnalystQuery, ensure_analyst
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import Day, IdPath
from shiftplanner.models import RequestStatus
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.security.dependencies import CurrentActor, ManagerActor, StaffActor
from shiftplanner.shift_requests import schemas
from shiftplanner.shift_requests import service as shift_request_service

router = APIRouter(prefix="/api/shift-requests", tags=["shift requests"])

NOT_FOUND = problems({404: "No such shift request, or not one you may see"})
DECIDED = problem("Not requested any more")


@router.get("", response_model=Page[schemas.ShiftRequest])
async def list_shift_requests(
    session: SessionDep,
    actor: CurrentActor,
    page: PageParamsDep,
    cached: CachedAnswerDep,
    analyst_id: AnalystQuery = None,
    status: Annotated[RequestStatus | None, Query()] = None,
    start: Annotated[Day | None, Query(description="Only requests on or after this day.")] = None,
    end: Annotated[Day | None, Query(description="Only requests on or before this day.")] = None,
) -> Response:
    """Shift requests by date. Managers and admins see everyone's; analysts and viewers
    only their own. Cached: see `ETag` and `X-Cache`."""

    async def answer() -> Page[schemas.ShiftRequest]:
        await ensure_analyst(session, actor, analyst_id)
        result = await shift_request_service.list_requests(
            session, actor, page, analyst_id=analyst_id, status=status, start=start, end=end
        )
        return Page[schemas.ShiftRequest].build(*result)

    return await cached.serve(answer)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: problem("An analyst asking for someone else, or sending a `weight`"),
        409: problem(
            "The opposite wish for the same day and shift type (or whole day) is open; "
            "`shift_request_ids` names it"
        ),
        422: problem("Unknown analyst, or a shift type not of the analyst's team"),
    },
)
async def create_shift_request(
    data: schemas.ShiftRequestCreate, session: SessionDep, actor: StaffActor
) -> schemas.ShiftRequest:
    """Ask to work a day (`on`) or to have it off (`off`), the whole day or one shift
    type: analysts for themselves, managers and admins for anyone (and only they may
    set its `weight`). It starts as `requested`. Refused (409) while the opposite wish for
    the same day and shift type, or for the whole day, is requested or approved."""
    return schemas.ShiftRequest.model_validate(
        await shift_request_service.create_request(session, actor, data)
    )


@router.get("/{shift_request_id}", responses=NOT_FOUND)
async def get_shift_request(
    shift_request_id: IdPath, session: SessionDep, actor: CurrentActor
) -> schemas.ShiftRequest:
    """One shift request (your own, unless you manage)."""
    return schemas.ShiftRequest.model_validate(
        await shift_request_service.get_request(session, actor, shift_request_id)
    )


@router.post("/{shift_request_id}/approve", responses={**NOT_FOUND, 409: DECIDED})
async def approve_shift_request(
    shift_request_id: IdPath, session: SessionDep, actor: ManagerActor
) -> schemas.ShiftRequest:
    """Approve a requested shift request (manager or admin): schedule generation weighs it."""
    return schemas.ShiftRequest.model_validate(
        await shift_request_service.approve_request(session, actor, shift_request_id)
    )


@router.post("/{shift_request_id}/reject", responses={**NOT_FOUND, 409: DECIDED})
async def reject_shift_request(
    shift_request_id: IdPath, session: SessionDep, actor: ManagerActor
) -> schemas.ShiftRequest:
    """Reject a requested shift request (manager or admin)."""
    return schemas.ShiftRequest.model_validate(
        await shift_request_service.reject_request(session, actor, shift_request_id)
    )


@router.delete(
    "/{shift_request_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, 409: problem("Already decided; only a manager can delete it")},
)
async def delete_shift_request(
    shift_request_id: IdPath, session: SessionDep, actor: StaffActor
) -> None:
    """Withdraw a shift request: your own while it is requested, or (manager, admin) any."""
    await shift_request_service.delete_request(session, actor, shift_request_id)
