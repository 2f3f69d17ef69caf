"""Absences: requested by analysts (or for them), changed while requested, approved or
rejected by managers.

Requesting (and changing the days) refuses overlaps and blackout dates; approving checks
the blackout dates again (one may have been set since), then reports which assignments
the absence strands: they stay in the schedule as `absence_overlap` conflicts until
someone replaces them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.absences import schemas
from shiftplanner.absences.repository import AbsenceRepository
from shiftplanner.analysts import service as analyst_service
from shiftplanner.blackouts import service as blackout_service
from shiftplanner.conflicts import service as conflict_service
from shiftplanner.conflicts.facts import AbsenceFacts, ConflictType
from shiftplanner.db import lock_rows
from shiftplanner.errors import Conflict, InvalidInput, NotFound, StaleVersion
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.time import utcnow
from shiftplanner.models import Absence, AbsenceStatus, Analyst, BlackoutDate
from shiftplanner.schedules import service as schedule_service
from shiftplanner.schedules.schemas import Assignment as AssignmentSchema
from shiftplanner.security.actor import Actor


async def list_absences(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    analyst_id: int | None = None,
    status: AbsenceStatus | None = None,
    start: date | None = None,
    end: date | None = None,
) -> tuple[list[Absence], str | None]:
    visible = await analyst_service.visible_analyst_ids(session, actor)
    repository = AbsenceRepository(session)
    query = repository.filtered(
        actor.org_id,
        analyst_ids=analyst_service.narrowed(visible, analyst_id),
        status=status,
        start=start,
        end=end,
    )
    return await repository.page(query, params, keys=[Absence.start_date, Absence.id])


async def get_absence(session: AsyncSession, actor: Actor, absence_id: int) -> Absence:
    absence = await AbsenceRepository(session).get(actor.org_id, absence_id)
    visible = await analyst_service.visible_analyst_ids(session, actor)
    if absence is None or not analyst_service.sees(visible, absence.analyst_id):
        raise NotFound.resource("Absence", absence_id)
    return absence


async def _ensure_free(
    session: AsyncSession,
    actor: Actor,
    analyst: Analyst,
    start: date,
    end: date,
    *,
    exclude_id: int | None = None,
) -> None:
    """Refuse days the analyst already has an absence on, or a blackout covers: asked
    for, the absence could never be approved, so it is refused when it is written."""
    clash = await AbsenceRepository(session).overlapping(
        analyst.id, start, end, exclude_id=exclude_id
    )
    if clash:
        raise Conflict(
            f"The analyst already has an absence on some of these days (absence {clash[0].id}).",
            extra={"absence_ids": [a.id for a in clash]},
        )
    _refuse_blackouts(
        await blackout_service.blocking(session, actor, analyst, start, end), "requested"
    )


def _refuse_blackouts(blackouts: Sequence[BlackoutDate], verb: str) -> None:
    if not blackouts:
        return
    first = blackouts[0]
    raise Conflict(
        f"Absences cannot be {verb} during the blackout {first.start_date}..{first.end_date}"
        + (f" ({first.reason})" if first.reason else "")
        + ".",
        extra={"blackout_date_ids": [b.id for b in blackouts]},
    )


async def request_absence(
    session: AsyncSession, actor: Actor, data: schemas.AbsenceCreate
) -> Absence:
    analyst_id = await analyst_service.subject_of(
        session, actor, data.analyst_id, "Analysts request absences for themselves only."
    )
    analyst = (await analyst_service.get_many(session, actor, [analyst_id])).get(analyst_id)
    if analyst is None:
        raise InvalidInput(f"Analyst {analyst_id} does not exist.", pointer="#/analyst_id")
    await lock_rows(session, Analyst.id, [analyst_id])
    await _ensure_free(session, actor, analyst, data.start_date, data.end_date)
    absence = await AbsenceRepository(session).add(
        Absence(
            org_id=actor.org_id,
            analyst_id=analyst_id,
            start_date=data.start_date,
            end_date=data.end_date,
            kind=data.kind,
            note=data.note,
            requested_by_user_id=actor.user_id,
        )
    )
    emit_resource_event(
        session, EventType.ABSENCE_REQUESTED, absence, schemas.Absence, actor_user_id=actor.user_id
    )
    return absence


async def update_absence(
    session: AsyncSession,
    actor: Actor,
    absence_id: int,
    data: schemas.AbsenceUpdate,
    *,
    expected_version: int,
) -> Absence:
    """Change the dates, kind or note of a requested absence: the analyst their own, a
    manager anyone's. The new days are checked as a new request's are."""
    absence = await get_absence(session, actor, absence_id)
    await lock_rows(session, Analyst.id, [absence.analyst_id])
    await session.refresh(absence)
    if absence.version != expected_version:
        raise StaleVersion(
            f"Absence {absence.id} is at version {absence.version}, not {expected_version}."
        )
    if absence.status is not AbsenceStatus.REQUESTED:
        raise Conflict(
            f"The absence is {absence.status.value}; only a requested absence can be changed."
        )
    values = data.changes()
    values.pop("version", None)
    start = values.get("start_date", absence.start_date)
    end = values.get("end_date", absence.end_date)
    problem = schemas.span_problem(start, end)
    if problem is not None:
        raise InvalidInput(
            problem, pointer="#/end_date" if "end_date" in values else "#/start_date"
        )
    if (start, end) != (absence.start_date, absence.end_date):
        analyst = await analyst_service.get_analyst(session, actor, absence.analyst_id)
        await _ensure_free(session, actor, analyst, start, end, exclude_id=absence.id)
    await update_with_event(
        session,
        absence,
        values,
        schemas.Absence,
        EventType.ABSENCE_UPDATED,
        actor_user_id=actor.user_id,
    )
    return absence


async def _decide(
    session: AsyncSession,
    actor: Actor,
    absence: Absence,
    status: AbsenceStatus,
    note: str,
    event: EventType,
) -> None:
    await update_with_event(
        session,
        absence,
        {
            "status": status,
            "decided_by_user_id": actor.user_id,
            "decided_at": utcnow(),
            "decision_note": note,
        },
        schemas.Absence,
        event,
        actor_user_id=actor.user_id,
    )


async def _locked_requested(session: AsyncSession, actor: Actor, absence_id: int) -> Absence:
    absence = await get_absence(session, actor, absence_id)
    await analyst_service.ensure_not_own_decision(session, actor, absence.analyst_id, "absence")
    await lock_rows(session, Analyst.id, [absence.analyst_id])
    await session.refresh(absence)
    if absence.status is not AbsenceStatus.REQUESTED:
        raise Conflict(
            f"The absence is {absence.status.value}; only a requested absence can be decided."
        )
    return absence


async def approve_absence(
    session: AsyncSession, actor: Actor, absence_id: int, data: schemas.AbsenceDecision
) -> schemas.AbsenceApproval:
    absence = await _locked_requested(session, actor, absence_id)
    analyst = await analyst_service.get_analyst(session, actor, absence.analyst_id)
    # A blackout set after the request still stops its approval.
    _refuse_blackouts(
        await blackout_service.blocking(
            session, actor, analyst, absence.start_date, absence.end_date
        ),
        "approved",
    )
    facts = AbsenceFacts(
        id=absence.id,
        analyst_id=absence.analyst_id,
        start_date=absence.start_date,
        end_date=absence.end_date,
    )
    assessment = await conflict_service.assess_change(session, actor.org_id, added_absences=[facts])
    await _decide(
        session, actor, absence, AbsenceStatus.APPROVED, data.note, EventType.ABSENCE_APPROVED
    )
    conflict_service.emit_detected(
        session, actor, assessment.created, cause="absence", cause_id=absence.id
    )
    stranded_ids = {
        assignment_id
        for c in assessment.created
        if c.type is ConflictType.ABSENCE_OVERLAP and c.absence_id == absence.id
        for assignment_id in c.assignment_ids
    }
    stranded = await schedule_service.get_many(session, actor, stranded_ids)
    return schemas.AbsenceApproval(
        absence=schemas.Absence.model_validate(absence),
        stranded_assignments=[AssignmentSchema.model_validate(a) for a in stranded],
        conflicts=[conflict_service.to_schema(c) for c in assessment.created],
    )


async def reject_absence(
    session: AsyncSession, actor: Actor, absence_id: int, data: schemas.AbsenceDecision
) -> Absence:
    absence = await _locked_requested(session, actor, absence_id)
    await _decide(
        session, actor, absence, AbsenceStatus.REJECTED, data.note, EventType.ABSENCE_REJECTED
    )
    return absence


async def cancel_absence(session: AsyncSession, actor: Actor, absence_id: int) -> Absence:
    """Withdraw an absence: the analyst their own request, a manager any open absence."""
    absence = await get_absence(session, actor, absence_id)
    await lock_rows(session, Analyst.id, [absence.analyst_id])
    await session.refresh(absence)
    open_states = (
        (AbsenceStatus.REQUESTED, AbsenceStatus.APPROVED)
        if actor.can_manage
        else (AbsenceStatus.REQUESTED,)
    )
    if absence.status not in open_states:
        raise Conflict(f"A {absence.status.value} absence cannot be cancelled by you.")
    await update_with_event(
        session,
        absence,
        {"status": AbsenceStatus.CANCELLED},
        schemas.Absence,
        EventType.ABSENCE_CANCELLED,
        actor_user_id=actor.user_id,
    )
    return absence


async def pending_count_by_team(session: AsyncSession, org_id: int) -> dict[int, int]:
    """How many absence requests await a decision, per team of the organization (teams
    without any left out): for operations work that has no caller to scope to."""
    return await AbsenceRepository(session).count_by_team(org_id, AbsenceStatus.REQUESTED)
