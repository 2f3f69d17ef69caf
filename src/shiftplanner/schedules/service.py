"""Schedule assignments. Every write (one assignment or a bulk of a thousand) goes the same
way, in one transaction:

1. lock the analysts involved (and the assignments changed), so concurrent writers for
   the same people queue up instead of interleaving their checks;
2. check versions and references;
3. assess the change against the conflict rules and refuse it if it creates a hard
   conflict (double booking, absence, inactive analyst, unqualified screener);
4. write, and emit `schedule.created` / `.updated` / `.deleted`, plus `conflict.detected`
   for the warnings it creates.

All or nothing: one rejected item rejects the whole bulk, with every problem listed."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import service as analyst_service
from shiftplanner.conflicts import service as conflict_service
from shiftplanner.conflicts.facts import AssignmentFacts, Conflict
from shiftplanner.db import lock_rows
from shiftplanner.errors import InvalidInput, NotFound, ScheduleConflict, StaleVersion
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event, update_with_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.time import local_days_interval, shift_interval, zone
from shiftplanner.models import Analyst, Assignment
from shiftplanner.schedules import schemas
from shiftplanner.schedules.repository import AssignmentRepository
from shiftplanner.security.actor import Actor
from shiftplanner.shifts import service as shift_service
from shiftplanner.teams import service as team_service

FIELDS = (
    "analyst_id",
    "shift_type_id",
    "date",
    "is_screener",
    "skill",
    "note",
    "source",
    "is_locked",
)


@dataclass(frozen=True, slots=True)
class Write:
    """One planned change. `pointer` locates it in the request (`#/items/3`); `values` are
    the assignment's complete new fields, None to delete it."""

    pointer: str
    index: int | None = None
    assignment_id: int | None = None
    expected_version: int | None = None
    values: dict[str, Any] | None = None


@dataclass
class Outcome:
    created: list[Assignment] = field(default_factory=list)
    updated: list[Assignment] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass
class _Problem:
    pointer: str
    detail: str
    index: int | None
    kind: str  # "missing" | "stale" | "invalid"


async def list_assignments(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    start: date,
    end: date,
    analyst_id: int | None = None,
    shift_type_id: int | None = None,
    team_id: int | None = None,
) -> tuple[list[Assignment], str | None]:
    repository = AssignmentRepository(session)
    query = repository.in_range(
        actor.org_id,
        start,
        end,
        analyst_id=analyst_id,
        shift_type_id=shift_type_id,
        team_id=team_id,
    )
    return await repository.page(query, params, keys=[Assignment.date, Assignment.id])


async def get_assignment(session: AsyncSession, actor: Actor, assignment_id: int) -> Assignment:
    assignment = await AssignmentRepository(session).get(actor.org_id, assignment_id)
    if assignment is None:
        raise NotFound.resource("Assignment", assignment_id)
    return assignment


async def get_many(session: AsyncSession, actor: Actor, ids: Iterable[int]) -> list[Assignment]:
    """The caller's organization's assignments with these ids, by date."""
    found = await AssignmentRepository(session).get_many(actor.org_id, ids)
    return sorted(found.values(), key=lambda a: (a.date, a.id))


async def create_assignment(
    session: AsyncSession, actor: Actor, data: schemas.AssignmentCreate
) -> Outcome:
    return await apply_writes(session, actor, [Write(pointer="#", values=data.model_dump())])


async def update_assignment(
    session: AsyncSession,
    actor: Actor,
    assignment_id: int,
    data: schemas.AssignmentUpdate,
    *,
    expected_version: int,
) -> Outcome:
    current = await get_assignment(session, actor, assignment_id)
    changes = data.changes()
    changes.pop("version", None)
    values = {name: changes.get(name, getattr(current, name)) for name in FIELDS}
    write = Write(
        pointer="#", assignment_id=assignment_id, expected_version=expected_version, values=values
    )
    return await apply_writes(session, actor, [write])


async def delete_assignment(
    session: AsyncSession, actor: Actor, assignment_id: int, *, expected_version: int
) -> Outcome:
    await get_assignment(session, actor, assignment_id)
    write = Write(pointer="#", assignment_id=assignment_id, expected_version=expected_version)
    return await apply_writes(session, actor, [write])


async def bulk_write(session: AsyncSession, actor: Actor, data: schemas.BulkRequest) -> Outcome:
    writes = [
        Write(
            pointer=f"#/items/{index}",
            index=index,
            assignment_id=item.id,
            expected_version=item.version,
            values=item.model_dump(include=set(FIELDS)),
        )
        for index, item in enumerate(data.items)
    ]
    offset = len(data.items)
    writes += [
        Write(
            pointer=f"#/deletes/{index}",
            index=offset + index,
            assignment_id=item.id,
            expected_version=item.version,
        )
        for index, item in enumerate(data.deletes)
    ]
    return await apply_writes(session, actor, writes, bulk=True)


async def apply_writes(
    session: AsyncSession, actor: Actor, writes: Sequence[Write], *, bulk: bool = False
) -> Outcome:
    repository = AssignmentRepository(session)
    existing_ids = [w.assignment_id for w in writes if w.assignment_id is not None]
    # Lock the analysts before and after the change, then re-read what we change: from
    # here on nobody else can book these people until we commit.
    before_lock = await repository.get_many(actor.org_id, existing_ids)
    analyst_ids = {a.analyst_id for a in before_lock.values()}
    analyst_ids |= {w.values["analyst_id"] for w in writes if w.values is not None}
    await lock_rows(session, Analyst.id, analyst_ids)
    await lock_rows(session, Assignment.id, existing_ids)
    existing = await repository.get_many(actor.org_id, existing_ids, refresh=True)

    problems = await _check(session, actor, writes, existing)
    if problems:
        _raise_problems(problems, bulk=bulk)

    removed = [_facts(existing[w.assignment_id]) for w in writes if w.assignment_id is not None]
    proposed: dict[int, Write] = {}
    added: list[AssignmentFacts] = []
    for position, write in enumerate(writes):
        if write.values is None:
            continue
        fact_id = write.assignment_id if write.assignment_id is not None else -(position + 1)
        proposed[fact_id] = write
        added.append(AssignmentFacts(id=fact_id, **_fact_fields(write.values)))
    assessment = await conflict_service.assess_change(
        session, actor.org_id, removed=removed, added=added
    )
    if assessment.created_hard:
        items = {fact_id: w.index for fact_id, w in proposed.items() if w.index is not None}
        raise ScheduleConflict(
            f"The change would create {len(assessment.created_hard)} scheduling conflict(s).",
            conflicts=[
                conflict_service.to_schema(c, proposed_items=items).model_dump(mode="json")
                for c in assessment.created_hard
            ],
        )
    outcome = await _write(session, actor, repository, writes, existing)
    new_ids = {-(position + 1): a.id for position, a in _created_positions(writes, outcome.created)}
    outcome.conflicts = [_renumber(c, new_ids) for c in assessment.remaining]
    conflict_service.emit_detected(
        session, actor, [_renumber(c, new_ids) for c in assessment.created], cause="schedule"
    )
    return outcome


async def _check(
    session: AsyncSession, actor: Actor, writes: Sequence[Write], existing: dict[int, Assignment]
) -> list[_Problem]:
    problems: list[_Problem] = []
    new_values = [w.values for w in writes if w.values is not None]
    analysts = await analyst_service.get_many(session, actor, {v["analyst_id"] for v in new_values})
    shift_types = await shift_service.get_many(
        session, actor, {v["shift_type_id"] for v in new_values}
    )
    for write in writes:
        if write.assignment_id is not None:
            current = existing.get(write.assignment_id)
            if current is None:
                problems.append(
                    _Problem(
                        write.pointer + "/id",
                        f"Assignment {write.assignment_id} does not exist.",
                        write.index,
                        "missing",
                    )
                )
            elif write.expected_version is not None and current.version != write.expected_version:
                problems.append(
                    _Problem(
                        write.pointer + "/version",
                        f"Assignment {current.id} is at version {current.version}, not {write.expected_version}.",
                        write.index,
                        "stale",
                    )
                )
        if write.values is None:
            continue
        if write.values["analyst_id"] not in analysts:
            problems.append(
                _Problem(
                    write.pointer + "/analyst_id",
                    f"Analyst {write.values['analyst_id']} does not exist.",
                    write.index,
                    "invalid",
                )
            )
        if write.values["shift_type_id"] not in shift_types:
            problems.append(
                _Problem(
                    write.pointer + "/shift_type_id",
                    f"Shift type {write.values['shift_type_id']} does not exist.",
                    write.index,
                    "invalid",
                )
            )
        analyst = analysts.get(write.values["analyst_id"])
        skill = write.values.get("skill")
        current = existing.get(write.assignment_id) if write.assignment_id is not None else None
        if (
            analyst is not None
            and skill is not None
            and skill not in analyst.skills
            and _sets_skill(write.values, current)
        ):
            problems.append(
                _Problem(
                    write.pointer + "/skill",
                    f"{analyst.name} does not have the skill {skill!r}.",
                    write.index,
                    "invalid",
                )
            )
    return problems


def _sets_skill(values: dict[str, Any], current: Assignment | None) -> bool:
    """Whether a write gives its analyst the skill anew: a new assignment, a new skill or
    a new analyst. One that only keeps a skill the analyst has since lost goes through."""
    return (
        current is None
        or current.skill != values.get("skill")
        or current.analyst_id != values["analyst_id"]
    )


def _raise_problems(problems: list[_Problem], *, bulk: bool) -> None:
    if not bulk:
        problem = problems[0]
        if problem.kind == "missing":
            raise NotFound(problem.detail)
        if problem.kind == "stale":
            raise StaleVersion(problem.detail)
    errors = [{"pointer": p.pointer, "detail": p.detail, "index": p.index} for p in problems]
    if any(p.kind != "stale" for p in problems):
        raise InvalidInput(
            f"{len(problems)} problem(s) in the request; nothing was changed.", errors=errors
        )
    raise StaleVersion(
        f"{len(problems)} assignment(s) changed since you read them; nothing was changed.",
        extra={"errors": errors},
    )


async def _write(
    session: AsyncSession,
    actor: Actor,
    repository: AssignmentRepository,
    writes: Sequence[Write],
    existing: dict[int, Assignment],
) -> Outcome:
    outcome = Outcome()
    # Deletes first, so that a bulk may free a slot and fill it again.
    for write in writes:
        if write.values is None and write.assignment_id is not None:
            assignment = existing[write.assignment_id]
            emit_resource_event(
                session,
                EventType.SCHEDULE_DELETED,
                assignment,
                schemas.Assignment,
                actor_user_id=actor.user_id,
            )
            await repository.delete(assignment)
            outcome.deleted.append(assignment.id)
    for write in writes:
        if write.values is None:
            continue
        if write.assignment_id is not None:
            assignment = existing[write.assignment_id]
            await update_with_event(
                session,
                assignment,
                write.values,
                schemas.Assignment,
                EventType.SCHEDULE_UPDATED,
                actor_user_id=actor.user_id,
            )
            outcome.updated.append(assignment)
        else:
            assignment = Assignment(org_id=actor.org_id, **write.values)
            session.add(assignment)
            outcome.created.append(assignment)
    await session.flush()
    for assignment in outcome.created:
        emit_resource_event(
            session,
            EventType.SCHEDULE_CREATED,
            assignment,
            schemas.Assignment,
            actor_user_id=actor.user_id,
        )
    return outcome


def _created_positions(
    writes: Sequence[Write], created: list[Assignment]
) -> list[tuple[int, Assignment]]:
    positions = [
        p for p, w in enumerate(writes) if w.values is not None and w.assignment_id is None
    ]
    return list(zip(positions, created, strict=True))


def _renumber(conflict: Conflict, new_ids: dict[int, int]) -> Conflict:
    if not any(i < 0 for i in conflict.assignment_ids):
        return conflict
    return dataclasses.replace(
        conflict, assignment_ids=tuple(new_ids.get(i, i) for i in conflict.assignment_ids)
    )


def _fact_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "analyst_id": values["analyst_id"],
        "shift_type_id": values["shift_type_id"],
        "date": values["date"],
        "is_screener": values["is_screener"],
        "skill": values.get("skill"),
    }


def _facts(assignment: Assignment) -> AssignmentFacts:
    return AssignmentFacts(
        id=assignment.id,
        analyst_id=assignment.analyst_id,
        shift_type_id=assignment.shift_type_id,
        date=assignment.date,
        is_screener=assignment.is_screener,
        skill=assignment.skill,
    )


async def count_by_organization(session: AsyncSession) -> dict[int, int]:
    """Assignments per organization (organizations with none are absent), for the
    domain gauges."""
    return await AssignmentRepository(session).count_by_org()


@dataclass(frozen=True, slots=True)
class OnShift:
    """One analyst working at a moment: who, on which shift (its local date), from when to
    when in UTC, and how to reach them. `is_screener`: on screener duty (and qualified)."""

    analyst_id: int
    name: str
    email: str
    phone: str | None
    user_id: int | None
    is_screener: bool
    shift_type_id: int
    shift_type_name: str
    date: date
    starts_at: datetime
    ends_at: datetime


async def on_shift(
    session: AsyncSession,
    actor: Actor,
    *,
    team_id: int,
    at: datetime,
    shift_type_id: int | None = None,
    screeners_only: bool = False,
) -> list[OnShift]:
    """Who of the team is on shift at `at` (aware): the assignments whose shift, in the
    team's local time, contains it (start inclusive, end exclusive), including a night that
    began the day before. Inactive analysts and analysts whose approved absence overlaps
    the shift (as the conflict rules judge it) are not on shift; with `screeners_only`,
    only qualified analysts on screener duty are. Ordered by shift start, then name."""
    if at.tzinfo is None:
        raise InvalidInput("The moment must carry a time zone.", pointer="#/at")
    team = await team_service.get_team(session, actor, team_id)
    if shift_type_id is not None:
        found = (await shift_service.get_many(session, actor, [shift_type_id])).get(shift_type_id)
        if found is None or found.team_id != team.id:
            raise InvalidInput(
                f"Shift type {shift_type_id} is not one of team {team.id}'s.",
                errors=[{"parameter": "shift_type_id", "in": "query", "detail": "not the team's"}],
            )
    moment = at.astimezone(UTC)
    today = moment.astimezone(zone(team.timezone)).date()
    # A shift lasts at most a day, so one that covers `at` began today or yesterday.
    days = (today - timedelta(days=1), today)
    rows = await AssignmentRepository(session).of_team_on(
        actor.org_id, team.id, days, shift_type_id=shift_type_id, screeners_only=screeners_only
    )
    working = []
    for assignment, shift_type in rows:
        interval = shift_interval(
            assignment.date, shift_type.start_time, shift_type.end_time, team.timezone
        )
        if interval.start <= moment < interval.end:
            working.append((assignment, shift_type, interval))
    analysts = await analyst_service.get_many(
        session, actor, {assignment.analyst_id for assignment, _, _ in working}
    )
    absences = await conflict_service.approved_absences(
        session, actor.org_id, days[0], days[1] + timedelta(days=1), analyst_ids=set(analysts)
    )
    zones = {team.id: team.timezone}
    for other in {a.team_id for a in analysts.values()} - zones.keys():
        other_team = await team_service.find_team(session, actor, other)
        zones[other] = other_team.timezone if other_team else team.timezone
    result = []
    for assignment, shift_type, interval in working:
        analyst = analysts.get(assignment.analyst_id)
        if analyst is None or not analyst.is_active:
            continue
        if screeners_only and not analyst.is_screener:
            continue
        # Absence days are local to the analyst's own team, as the conflict rules read them.
        if any(
            absence.analyst_id == analyst.id
            and interval.overlaps(
                local_days_interval(absence.start_date, absence.end_date, zones[analyst.team_id])
            )
            for absence in absences
        ):
            continue
        result.append(
            OnShift(
                analyst_id=analyst.id,
                name=analyst.name,
                email=analyst.email,
                phone=analyst.phone,
                user_id=analyst.user_id,
                is_screener=assignment.is_screener and analyst.is_screener,
                shift_type_id=shift_type.id,
                shift_type_name=shift_type.name,
                date=assignment.date,
                starts_at=interval.start,
                ends_at=interval.end,
            )
        )
    return sorted(result, key=lambda o: (o.starts_at, o.name, o.analyst_id))
