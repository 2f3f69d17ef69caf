"""The schedule as people read it, for the calendar feeds and the CSV export: each
assignment with its analyst, shift type and team and its start and end in the team's
time zone; each approved absence with its analyst. Read through the other domains'
services, with the reader's rights (absences are personal records: a reader who does not
manage sees their own only)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.absences import service as absence_service
from shiftplanner.analysts import service as analyst_service
from shiftplanner.kit.pagination import MAX_LIMIT, PageParams
from shiftplanner.kit.time import shift_interval, zone
from shiftplanner.models import Absence, AbsenceKind, AbsenceStatus, Analyst, Assignment, Team
from shiftplanner.schedules import service as schedule_service
from shiftplanner.security.actor import Actor
from shiftplanner.shifts import service as shift_service
from shiftplanner.teams import service as team_service

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ShiftEntry:
    """One assignment. `starts_at` and `ends_at` are aware, in the shift's team's zone."""

    assignment_id: int
    version: int
    date: date
    created_at: datetime
    updated_at: datetime
    is_screener: bool
    is_locked: bool
    note: str
    analyst_name: str
    analyst_email: str
    shift_type_name: str
    start_time: time
    end_time: time
    team_name: str
    team_code: str
    timezone: str
    starts_at: datetime
    ends_at: datetime

    @property
    def ends_next_day(self) -> bool:
        return self.ends_at.date() > self.date


@dataclass(frozen=True, slots=True)
class AbsenceEntry:
    """One approved absence: whole local days `first`..`last`, inclusive."""

    absence_id: int
    version: int
    first: date
    last: date
    kind: AbsenceKind
    created_at: datetime
    updated_at: datetime
    analyst_name: str


async def _all_pages(
    fetch: Callable[[PageParams], Awaitable[tuple[list[T], str | None]]],
) -> list[T]:
    """Every item of a paginated service read, page by page (the services bound a page)."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        page, cursor = await fetch(PageParams(limit=MAX_LIMIT, cursor=cursor))
        items += page
        if cursor is None:
            return items


async def _teams(session: AsyncSession, actor: Actor, ids: Collection[int]) -> dict[int, Team]:
    teams = {}
    for team_id in sorted(set(ids)):
        team = await team_service.find_team(session, actor, team_id)
        if team is not None:
            teams[team_id] = team
    return teams


async def shifts(
    session: AsyncSession,
    actor: Actor,
    *,
    start: date,
    end: date,
    analyst_id: int | None = None,
    team_id: int | None = None,
) -> list[ShiftEntry]:
    """The assignments dated `start`..`end` (of one analyst, or of one team's shift
    types), ordered by start, team, analyst and id."""

    async def page(params: PageParams) -> tuple[list[Assignment], str | None]:
        return await schedule_service.list_assignments(
            session, actor, params, start=start, end=end, analyst_id=analyst_id, team_id=team_id
        )

    assignments = await _all_pages(page)
    shift_types = await shift_service.get_many(
        session, actor, {a.shift_type_id for a in assignments}
    )
    analysts = await analyst_service.get_many(session, actor, {a.analyst_id for a in assignments})
    teams = await _teams(session, actor, {s.team_id for s in shift_types.values()})
    entries = []
    for assignment in assignments:
        shift_type = shift_types[assignment.shift_type_id]
        analyst = analysts[assignment.analyst_id]
        team = teams[shift_type.team_id]
        interval = shift_interval(
            assignment.date, shift_type.start_time, shift_type.end_time, team.timezone
        )
        # From UTC back to the zone: a start in a spring-forward gap becomes the wall
        # time it really is, as people on that shift see it.
        tz = zone(team.timezone)
        entries.append(
            ShiftEntry(
                assignment_id=assignment.id,
                version=assignment.version,
                date=assignment.date,
                created_at=assignment.created_at,
                updated_at=assignment.updated_at,
                is_screener=assignment.is_screener,
                is_locked=assignment.is_locked,
                note=assignment.note,
                analyst_name=analyst.name,
                analyst_email=analyst.email,
                shift_type_name=shift_type.name,
                start_time=shift_type.start_time,
                end_time=shift_type.end_time,
                team_name=team.name,
                team_code=team.code,
                timezone=team.timezone,
                starts_at=interval.start.astimezone(tz),
                ends_at=interval.end.astimezone(tz),
            )
        )
    entries.sort(key=lambda e: (e.starts_at, e.team_name, e.analyst_name, e.assignment_id))
    return entries


async def absences(
    session: AsyncSession,
    actor: Actor,
    *,
    start: date,
    end: date,
    analyst_id: int | None = None,
    team_id: int | None = None,
) -> list[AbsenceEntry]:
    """The approved absences that share a day with `start`..`end` and that the reader may
    see: of one analyst, or of the analysts who are now members of one team."""

    async def page(params: PageParams) -> tuple[list[Absence], str | None]:
        return await absence_service.list_absences(
            session,
            actor,
            params,
            analyst_id=analyst_id,
            status=AbsenceStatus.APPROVED,
            start=start,
            end=end,
        )

    found = await _all_pages(page)
    analysts: dict[int, Analyst] = await analyst_service.get_many(
        session, actor, {a.analyst_id for a in found}
    )
    return [
        AbsenceEntry(
            absence_id=absence.id,
            version=absence.version,
            first=absence.start_date,
            last=absence.end_date,
            kind=absence.kind,
            created_at=absence.created_at,
            updated_at=absence.updated_at,
            analyst_name=analysts[absence.analyst_id].name,
        )
        for absence in found
        if team_id is None or analysts[absence.analyst_id].team_id == team_id
    ]
