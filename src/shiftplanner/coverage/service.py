"""Coverage requirements: how many analysts (and screeners, and analysts covering single
skills) a shift type needs, on every given weekday (a template) or on one date (an
override). Schedule generation plans to them; without any, a shift type needs its own
`required_headcount`."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.coverage import schemas
from shiftplanner.coverage.repository import CoverageRequirementRepository
from shiftplanner.errors import Conflict, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import CoverageRequirement, ShiftType
from shiftplanner.security.actor import Actor
from shiftplanner.shifts import service as shift_service


async def list_requirements(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    team_id: int | None = None,
    shift_type_id: int | None = None,
) -> tuple[list[CoverageRequirement], str | None]:
    repository = CoverageRequirementRepository(session)
    query = repository.filtered(actor.org_id, team_id=team_id, shift_type_id=shift_type_id)
    return await repository.page(
        query, params, keys=[CoverageRequirement.shift_type_id, CoverageRequirement.id]
    )


async def get_requirement(
    session: AsyncSession, actor: Actor, requirement_id: int
) -> CoverageRequirement:
    requirement = await CoverageRequirementRepository(session).get(actor.org_id, requirement_id)
    if requirement is None:
        raise NotFound.resource("Coverage requirement", requirement_id)
    return requirement


async def _ensure_free(
    repository: CoverageRequirementRepository,
    shift_type_id: int,
    weekday: str | None,
    day: date | None,
    requirement_id: int | None = None,
) -> None:
    same = await repository.find_same(shift_type_id, weekday=weekday, day=day)
    if same is not None and same.id != requirement_id:
        raise Conflict(
            f"Shift type {shift_type_id} already has a requirement for {weekday or day} "
            f"(coverage requirement {same.id}); change that one."
        )


def _ensure_runs(shift_type: ShiftType, weekday: str | None) -> None:
    """A template for a weekday the shift type does not run would plan a shift that does
    not exist. (An override for one date may: it opens the shift type that day.)"""
    if weekday is not None and weekday not in shift_type.days_of_week:
        raise InvalidInput(
            f"Shift type {shift_type.name} does not run on {weekday} (it runs on "
            f"{', '.join(shift_type.days_of_week)}); set a date override for a one-off day.",
            pointer="#/weekday",
        )


async def create_requirement(
    session: AsyncSession, actor: Actor, data: schemas.CoverageRequirementCreate
) -> CoverageRequirement:
    repository = CoverageRequirementRepository(session)
    shift_type = (await shift_service.get_many(session, actor, [data.shift_type_id])).get(
        data.shift_type_id
    )
    if shift_type is None:
        raise InvalidInput(
            f"Shift type {data.shift_type_id} does not exist.", pointer="#/shift_type_id"
        )
    _ensure_runs(shift_type, data.weekday)
    await _ensure_free(repository, data.shift_type_id, data.weekday, data.date)
    requirement = await repository.add(
        CoverageRequirement(org_id=actor.org_id, **data.model_dump(mode="python"))
    )
    emit_resource_event(
        session,
        EventType.COVERAGE_REQUIREMENT_CREATED,
        requirement,
        schemas.CoverageRequirement,
        actor_user_id=actor.user_id,
    )
    return requirement


async def update_requirement(
    session: AsyncSession,
    actor: Actor,
    requirement_id: int,
    data: schemas.CoverageRequirementUpdate,
) -> CoverageRequirement:
    repository = CoverageRequirementRepository(session)
    requirement = await get_requirement(session, actor, requirement_id)
    values = data.changes()
    weekday = values.get("weekday", requirement.weekday)
    day = values.get("date", requirement.date)
    try:
        schemas.check_day(weekday, day)
    except ValueError as error:
        raise InvalidInput(
            str(error), pointer="#/date" if "date" in values else "#/weekday"
        ) from None
    required = values.get("required", requirement.required)
    screeners_required = values.get("screeners_required", requirement.screeners_required)
    hard_min = values.get("hard_min", requirement.hard_min)
    broken = schemas.number_problem(required, screeners_required, hard_min)
    if broken is not None:
        field, detail = broken
        raise InvalidInput(detail, pointer=f"#/{field}")
    if "weekday" in values:
        _ensure_runs(
            await shift_service.get_shift_type(session, actor, requirement.shift_type_id), weekday
        )
    await _ensure_free(repository, requirement.shift_type_id, weekday, day, requirement.id)
    await update_with_event(
        session,
        requirement,
        values,
        schemas.CoverageRequirement,
        EventType.COVERAGE_REQUIREMENT_UPDATED,
        actor_user_id=actor.user_id,
    )
    return requirement


async def delete_requirement(session: AsyncSession, actor: Actor, requirement_id: int) -> None:
    requirement = await get_requirement(session, actor, requirement_id)
    emit_resource_event(
        session,
        EventType.COVERAGE_REQUIREMENT_DELETED,
        requirement,
        schemas.CoverageRequirement,
        actor_user_id=actor.user_id,
    )
    await CoverageRequirementRepository(session).delete(requirement)
