"""Shift requests: an analyst's wish to work a day (or one shift that day) or to have it
off. Analysts make their own, managers anyone's and decide them; schedule generation
weighs the approved ones."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import service as analyst_service
from shiftplanner.db import lock_rows
from shiftplanner.errors import Conflict, Forbidden, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import Analyst, RequestKind, RequestStatus, ShiftRequest
from shiftplanner.security.actor import Actor
from shiftplanner.shift_requests import schemas
from shiftplanner.shift_requests.repository import ShiftRequestRepository
from shiftplanner.shifts import service as shift_service


async def list_requests(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    analyst_id: int | None = None,
    status: RequestStatus | None = None,
    start: date | None = None,
    end: date | None = None,
) -> tuple[list[ShiftRequest], str | None]:
    visible = await analyst_service.visible_analyst_ids(session, actor)
    repository = ShiftRequestRepository(session)
    query = repository.filtered(
        actor.org_id,
        analyst_ids=analyst_service.narrowed(visible, analyst_id),
        status=status,
        start=start,
        end=end,
    )
    return await repository.page(query, params, keys=[ShiftRequest.date, ShiftRequest.id])


async def get_request(session: AsyncSession, actor: Actor, request_id: int) -> ShiftRequest:
    shift_request = await ShiftRequestRepository(session).get(actor.org_id, request_id)
    visible = await analyst_service.visible_analyst_ids(session, actor)
    if shift_request is None or not analyst_service.sees(visible, shift_request.analyst_id):
        raise NotFound.resource("Shift request", request_id)
    return shift_request


async def create_request(
    session: AsyncSession, actor: Actor, data: schemas.ShiftRequestCreate
) -> ShiftRequest:
    analyst_id = await analyst_service.subject_of(
        session, actor, data.analyst_id, "Analysts make shift requests for themselves only."
    )
    if not actor.can_manage and data.weight is not None:
        raise Forbidden("Only managers and admins weigh shift requests; leave out `weight`.")
    analyst = (await analyst_service.get_many(session, actor, [analyst_id])).get(analyst_id)
    if analyst is None:
        raise InvalidInput(f"Analyst {analyst_id} does not exist.", pointer="#/analyst_id")
    if data.shift_type_id is not None:
        found = await shift_service.get_many(session, actor, [data.shift_type_id])
        shift_type = found.get(data.shift_type_id)
        if shift_type is None or shift_type.team_id != analyst.team_id:
            raise InvalidInput(
                f"Shift type {data.shift_type_id} is not a shift type of the analyst's team.",
                pointer="#/shift_type_id",
            )
    # Under the analyst's lock, so two contradicting requests cannot both pass the check.
    await lock_rows(session, Analyst.id, [analyst_id])
    repository = ShiftRequestRepository(session)
    contradicted = await repository.contradicting(
        analyst_id, data.date, data.kind, data.shift_type_id
    )
    if contradicted:
        first = contradicted[0]
        wish = "to work" if first.kind is RequestKind.ON else "to be off"
        raise Conflict(
            f"The analyst already asked {wish} on {data.date} (shift request {first.id}); "
            "withdraw it before asking the opposite.",
            extra={"shift_request_ids": [r.id for r in contradicted]},
        )
    shift_request = await repository.add(
        ShiftRequest(
            org_id=actor.org_id,
            analyst_id=analyst_id,
            date=data.date,
            shift_type_id=data.shift_type_id,
            kind=data.kind,
            weight=data.weight,
            note=data.note,
            created_by_user_id=actor.user_id,
        )
    )
    emit_resource_event(
        session,
        EventType.SHIFT_REQUEST_CREATED,
        shift_request,
        schemas.ShiftRequest,
        actor_user_id=actor.user_id,
    )
    return shift_request


async def _locked(session: AsyncSession, actor: Actor, request_id: int) -> ShiftRequest:
    """The request, re-read under a lock, so two decisions cannot both pass the check."""
    shift_request = await get_request(session, actor, request_id)
    await lock_rows(session, ShiftRequest.id, [shift_request.id])
    await session.refresh(shift_request)
    return shift_request


async def _decide(
    session: AsyncSession, actor: Actor, request_id: int, status: RequestStatus, event: EventType
) -> ShiftRequest:
    shift_request = await _locked(session, actor, request_id)
    await analyst_service.ensure_not_own_decision(
        session, actor, shift_request.analyst_id, "shift request"
    )
    if shift_request.status is not RequestStatus.REQUESTED:
        raise Conflict(
            f"The request is {shift_request.status.value}; only a requested one can be decided."
        )
    await update_with_event(
        session,
        shift_request,
        {"status": status},
        schemas.ShiftRequest,
        event,
        actor_user_id=actor.user_id,
    )
    return shift_request


async def approve_request(session: AsyncSession, actor: Actor, request_id: int) -> ShiftRequest:
    return await _decide(
        session, actor, request_id, RequestStatus.APPROVED, EventType.SHIFT_REQUEST_APPROVED
    )


async def reject_request(session: AsyncSession, actor: Actor, request_id: int) -> ShiftRequest:
    return await _decide(
        session, actor, request_id, RequestStatus.REJECTED, EventType.SHIFT_REQUEST_REJECTED
    )


async def delete_request(session: AsyncSession, actor: Actor, request_id: int) -> None:
    """Withdraw a request: the analyst their own while it is requested, a manager any."""
    shift_request = await _locked(session, actor, request_id)
    if not actor.can_manage and shift_request.status is not RequestStatus.REQUESTED:
        raise Conflict(
            f"The request is {shift_request.status.value}; only a manager can delete it now."
        )
    emit_resource_event(
        session,
        EventType.SHIFT_REQUEST_DELETED,
        shift_request,
        schemas.ShiftRequest,
        actor_user_id=actor.user_id,
    )
    await ShiftRequestRepository(session).delete(shift_request)
