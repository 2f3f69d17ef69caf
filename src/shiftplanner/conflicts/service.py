"""Conflict detection over stored data: reports for a date range, and the assessment of a
proposed change (what it would break) that the schedule and absence services use before
they write."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import service as analyst_service
from shiftplanner.conflicts import schemas
from shiftplanner.conflicts.facts import (
    AbsenceFacts,
    AssignmentFacts,
    Conflict,
    ConflictType,
    Facts,
    Rules,
    Severity,
    run_margin,
)
from shiftplanner.conflicts.repository import ConflictFactsRepository
from shiftplanner.conflicts.rules import absence_overlap_message, coverage_days, detect
from shiftplanner.events import DomainEvent, EventType, emit
from shiftplanner.security.actor import Actor

COVERAGE_TYPES = frozenset(
    {ConflictType.COVERAGE_GAP, ConflictType.MISSING_SCREENER, ConflictType.SKILL_SHORT}
)


def to_schema(
    conflict: Conflict, *, proposed_items: dict[int, int] | None = None
) -> schemas.Conflict:
    """The public form. Proposed (unsaved) assignments have negative ids; they are listed
    as the request items they came from instead."""
    saved = [i for i in conflict.assignment_ids if i > 0]
    items = sorted(
        proposed_items[i] for i in conflict.assignment_ids if proposed_items and i in proposed_items
    )
    return schemas.Conflict(
        type=conflict.type,
        severity=conflict.severity,
        date=conflict.date,
        message=conflict.message,
        analyst_id=conflict.analyst_id,
        shift_type_id=conflict.shift_type_id,
        assignment_ids=saved,
        absence_id=conflict.absence_id,
        details=dict(conflict.details),
        item_indexes=items,
    )


async def report(
    session: AsyncSession,
    actor: Actor,
    first: date,
    last: date,
    *,
    team_id: int | None = None,
    analyst_id: int | None = None,
    types: Iterable[ConflictType] = (),
    severity: Severity | None = None,
) -> schemas.ConflictReport:
    """Every conflict dated `first`..`last` in the caller's organization, optionally only
    those of one team (its analysts or its shift types), one analyst, some types or one
    severity."""
    facts = await _facts_around(ConflictFactsRepository(session), actor.org_id, first, last)
    visible = await analyst_service.visible_analyst_ids(session, actor)
    wanted = set(types)
    found = [
        redacted(facts, c, visible)
        for c in detect(facts, first, last)
        if (not wanted or c.type in wanted)
        and (severity is None or c.severity is severity)
        and (analyst_id is None or c.analyst_id == analyst_id)
        and (team_id is None or _belongs_to_team(facts, c, team_id))
    ]
    counts = Counter(c.type for c in found)
    errors = sum(1 for c in found if c.is_hard)
    return schemas.ConflictReport(
        start=first,
        end=last,
        errors=errors,
        warnings=len(found) - errors,
        by_type=dict(counts),
        conflicts=[to_schema(c) for c in found],
    )


async def coverage_report(
    session: AsyncSession, actor: Actor, first: date, last: date, *, team_id: int | None = None
) -> schemas.CoverageReport:
    """What each shift (of one team, or all) needs on each day `first`..`last` it runs,
    against who is booked and who counts."""
    facts = await _facts_around(ConflictFactsRepository(session), actor.org_id, first, last)
    return schemas.CoverageReport(
        start=first,
        end=last,
        days=[
            schemas.ShiftDayCoverage(
                date=covered.date,
                shift_type_id=covered.shift.id,
                required=covered.need.required,
                screeners_required=covered.need.screeners_required,
                booked=len(covered.booked),
                effective=covered.effective,
                screeners=covered.screeners,
                skills=[
                    schemas.SkillCoverage(
                        skill=cover.skill,
                        minimum=cover.minimum,
                        optimal=cover.optimal,
                        effective=covered.skills[cover.skill],
                    )
                    for cover in covered.need.skills
                ],
            )
            for covered in coverage_days(facts, first, last)
            if team_id is None or covered.shift.team_id == team_id
        ],
    )


def redacted(facts: Facts, conflict: Conflict, visible: list[int] | None) -> Conflict:
    """The conflict as a caller who sees the personal records of `visible` (see
    `analyst_service.visible_analyst_ids`) may read it: an absence overlap of someone
    else keeps its analyst, shift and day (the schedule is everyone's to read) but loses
    the absence, its id and its days, as the absences routes hide it."""
    if (
        conflict.type is not ConflictType.ABSENCE_OVERLAP
        or conflict.analyst_id is None
        or conflict.shift_type_id is None
        or analyst_service.sees(visible, conflict.analyst_id)
    ):
        return conflict
    message = absence_overlap_message(
        facts, conflict.analyst_id, conflict.shift_type_id, conflict.date, None
    )
    return replace(conflict, absence_id=None, details={}, message=message)


async def detect_replacing(
    session: AsyncSession,
    actor: Actor,
    first: date,
    last: date,
    *,
    replaced: Collection[int],
    proposed: Sequence[AssignmentFacts],
) -> list[Conflict]:
    """Every conflict dated `first`..`last` in the caller's organization if the saved
    assignments `replaced` gave way to the `proposed` ones (negative ids): what a planned
    rewrite of part of the schedule would leave. Proposed assignments of analysts or
    shift types that no longer exist are not judged."""
    facts = await _facts_around(ConflictFactsRepository(session), actor.org_id, first, last)
    gone = set(replaced)
    kept = [a for a in facts.assignments if a.id not in gone]
    known = [
        a for a in proposed if a.analyst_id in facts.analysts and a.shift_type_id in facts.shifts
    ]
    return detect(replace(facts, assignments=[*kept, *known]), first, last)


async def organization_rules(session: AsyncSession, org_id: int) -> Rules:
    """The organization's minimum rest and most consecutive working days, which every
    schedule is judged by."""
    return await ConflictFactsRepository(session).rules(org_id)


async def approved_absences(
    session: AsyncSession, org_id: int, first: date, last: date, *, analyst_ids: Collection[int]
) -> list[AbsenceFacts]:
    """The approved absences of these analysts that share a day with `first`..`last`: what
    keeps an analyst off a shift (who is on shift now asks)."""
    return await ConflictFactsRepository(session).approved_absences(
        org_id, first, last, analyst_ids=analyst_ids
    )


async def _facts_around(
    repository: ConflictFactsRepository, org_id: int, first: date, last: date
) -> Facts:
    """The organization's facts for judging `first`..`last`, with the margin that runs of
    consecutive days and rest around the edges need."""
    rules = await repository.rules(org_id)
    shifts = await repository.shifts(org_id)
    margin = run_margin(rules, shifts)
    return Facts(
        shifts=shifts,
        analysts=await repository.analysts(org_id),
        assignments=await repository.assignments(org_id, first - margin, last + margin),
        absences=await repository.approved_absences(org_id, first - margin, last + margin),
        rules=rules,
        coverage=await repository.coverage(org_id, first, last),
    )


def _belongs_to_team(facts: Facts, conflict: Conflict, team_id: int) -> bool:
    if conflict.analyst_id is not None and facts.analysts[conflict.analyst_id].team_id == team_id:
        return True
    return (
        conflict.shift_type_id is not None
        and facts.shifts[conflict.shift_type_id].team_id == team_id
    )


@dataclass(frozen=True)
class Assessment:
    """What a change would do. `created_hard` blocks a write; `remaining` is every conflict
    around the change after it (to report); `created` those that did not exist before."""

    created_hard: list[Conflict]
    created: list[Conflict]
    remaining: list[Conflict]


async def assess_change(
    session: AsyncSession,
    org_id: int,
    *,
    removed: Sequence[AssignmentFacts] = (),
    added: Sequence[AssignmentFacts] = (),
    added_absences: Sequence[AbsenceFacts] = (),
) -> Assessment:
    """Compare the conflicts around the changed assignments (or newly approved absences)
    before and after the change. Only the analysts involved and the shift-days touched
    are loaded, so a check stays cheap in a large organization."""
    days = [a.date for a in (*removed, *added)]
    days += [d for absence in added_absences for d in (absence.start_date, absence.end_date)]
    if not days:
        return Assessment([], [], [])
    repository = ConflictFactsRepository(session)
    rules = await repository.rules(org_id)
    shifts = await repository.shifts(org_id)
    margin = run_margin(rules, shifts)
    window_first, window_last = min(days) - margin, max(days) + margin
    load_first, load_last = window_first - margin, window_last + margin

    involved = {a.analyst_id for a in (*removed, *added)} | {a.analyst_id for a in added_absences}
    touched = {(a.shift_type_id, a.date) for a in (*removed, *added)}
    own = await repository.assignments(org_id, load_first, load_last, analyst_ids=involved)
    for absence in added_absences:
        touched |= {
            (a.shift_type_id, a.date)
            for a in own
            if a.analyst_id == absence.analyst_id
            and absence.start_date - timedelta(days=1) <= a.date <= absence.end_date
        }
    loaded = {a.id: a for a in own}
    if touched:
        for a in await repository.assignments(
            org_id, load_first, load_last, analyst_ids=(), shift_days=touched
        ):
            loaded.setdefault(a.id, a)
    analyst_ids = {a.analyst_id for a in loaded.values()} | involved
    before = Facts(
        shifts=shifts,
        analysts=await repository.analysts(org_id),
        assignments=list(loaded.values()),
        absences=await repository.approved_absences(
            org_id, load_first, load_last, analyst_ids=analyst_ids
        ),
        rules=rules,
        coverage=await repository.coverage(org_id, window_first, window_last),
    )
    removed_ids = {a.id for a in removed}
    after = replace(
        before,
        assignments=[a for a in before.assignments if a.id not in removed_ids] + list(added),
        absences=[*before.absences, *added_absences],
    )

    def around(facts: Facts) -> list[Conflict]:
        return [
            c
            for c in detect(facts, window_first, window_last)
            if (c.type in COVERAGE_TYPES and (c.shift_type_id, c.date) in touched)
            or (c.type not in COVERAGE_TYPES and c.analyst_id in involved)
        ]

    existing = {c.key for c in around(before)}
    remaining = around(after)
    created = [c for c in remaining if c.key not in existing]
    added_ids = {a.id for a in added}
    return Assessment(
        created_hard=[c for c in created if c.is_hard and added_ids & set(c.assignment_ids)],
        created=created,
        remaining=remaining,
    )


def emit_detected(
    session: AsyncSession,
    actor: Actor,
    conflicts: Sequence[Conflict],
    *,
    cause: str,
    cause_id: int | None = None,
) -> None:
    """One `conflict.detected` event for the conflicts a committed change created."""
    if not conflicts:
        return
    emit(
        session,
        DomainEvent(
            type=EventType.CONFLICT_DETECTED,
            org_id=actor.org_id,
            resource_type=cause,
            resource_id=cause_id,
            actor_user_id=actor.user_id,
            data={"conflicts": [to_schema(c).model_dump(mode="json") for c in conflicts]},
        ),
    )


async def count_by_severity(
    session: AsyncSession, org_id: int, first: date, last: date
) -> dict[Severity, int]:
    """How many conflicts are dated `first`..`last` in the organization, per severity
    (every severity present, 0 if none): for operations work across organizations (the
    domain gauges), which has no caller to redact for."""
    facts = await _facts_around(ConflictFactsRepository(session), org_id, first, last)
    counts = Counter(conflict.severity for conflict in detect(facts, first, last))
    return {severity: counts[severity] for severity in Severity}


@dataclass(slots=True)
class TeamConflicts:
    """One team's conflicts over a span: how many of each type, and the positions its
    coverage gaps leave empty (required minus effective analysts, summed)."""

    by_type: Counter[ConflictType] = field(default_factory=Counter)
    missing_positions: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


async def count_by_team(
    session: AsyncSession, org_id: int, spans: Mapping[int, tuple[date, date]]
) -> dict[int, TeamConflicts]:
    """The conflicts of each team in `spans` (team id → first and last local day), by
    the same detection as the reports: a conflict counts for a team through its analyst
    or its shift type. For operations work across organizations (the alert rules), which
    has no caller to redact for. Every team asked for is in the answer."""
    counts = {team_id: TeamConflicts() for team_id in spans}
    if not spans:
        return counts
    first = min(span[0] for span in spans.values())
    last = max(span[1] for span in spans.values())
    facts = await _facts_around(ConflictFactsRepository(session), org_id, first, last)
    for conflict in detect(facts, first, last):
        for team_id, (team_first, team_last) in spans.items():
            if not team_first <= conflict.date <= team_last:
                continue
            if not _belongs_to_team(facts, conflict, team_id):
                continue
            team = counts[team_id]
            team.by_type[conflict.type] += 1
            if conflict.type is ConflictType.COVERAGE_GAP:
                details = conflict.details
                team.missing_positions += int(details["required"]) - int(details["effective"])
    return counts
