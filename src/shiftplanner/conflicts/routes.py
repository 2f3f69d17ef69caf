from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from shiftplanner.analysts.dependencies import AnalystQuery, ensure_analyst
from shiftplanner.conflicts import schemas
from shiftplanner.conflicts import service as conflict_service
from shiftplanner.conflicts.facts import ConflictType, Severity
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.ranges import DateRange, date_range
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.security.dependencies import CurrentActor
from shiftplanner.teams.dependencies import TeamQuery, ensure_team

MAX_REPORT_DAYS = 93

router = APIRouter(prefix="/api/conflicts", tags=["conflicts"])


@router.get(
    "",
    response_model=schemas.ConflictReport,
    responses=problems({422: "Range inverted or longer than 93 days"}),
)
async def list_conflicts(
    session: SessionDep,
    actor: CurrentActor,
    period: Annotated[DateRange, Depends(date_range(MAX_REPORT_DAYS))],
    cached: CachedAnswerDep,
    team_id: TeamQuery = None,
    analyst_id: AnalystQuery = None,
    types: Annotated[
        list[ConflictType] | None,
        Query(alias="type", description="Only these types (repeatable)."),
    ] = None,
    severity: Annotated[Severity | None, Query()] = None,
) -> Response:
    """Every scheduling conflict dated within the range (at most 93 days):

    - **error** (refused on write): `double_booking` (overlapping shifts of one analyst,
      across midnight and time zones), `absence_overlap` (a shift during an approved
      absence), `inactive_analyst`, `unqualified_screener` (screener duty without the skill);
    - **warning** (allowed, reported): `coverage_gap` (fewer effective analysts than the
      shift requires; absent or inactive ones do not count), `missing_screener`,
      `rest_violation` (less than the organization's minimum rest between shifts),
      `consecutive_days` (more working days in a row than allowed), `shift_not_running`
      (a shift on a day its shift type does not run: not one of its days, or a holiday
      its team takes off), `other_team_shift` (an analyst on another team's shift type).

    Analysts and viewers see every conflict, but an absence overlap of someone else
    without the absence (no `absence_id`, no dates): absences are personal data.

    Cached: see `ETag` and `X-Cache`.
    """

    async def answer() -> schemas.ConflictReport:
        await ensure_team(session, actor, team_id)
        await ensure_analyst(session, actor, analyst_id)
        return await conflict_service.report(
            session,
            actor,
            period.start,
            period.end,
            team_id=team_id,
            analyst_id=analyst_id,
            types=types or (),
            severity=severity,
        )

    return await cached.serve(answer)


@router.get(
    "/coverage",
    response_model=schemas.CoverageReport,
    responses=problems({422: "Range inverted or longer than 93 days"}),
)
async def coverage(
    session: SessionDep,
    actor: CurrentActor,
    period: Annotated[DateRange, Depends(date_range(MAX_REPORT_DAYS))],
    cached: CachedAnswerDep,
    team_id: TeamQuery = None,
) -> Response:
    """For each active shift type and each day of the range (at most 93) it runs: the
    analysts and screeners it needs (the date's override, else the weekday's template,
    else the shift type's own headcount; nothing on a holiday its team takes off) against
    those booked and those who count (present and active) — the numbers `coverage_gap`
    and `missing_screener` are judged by. Cached: see `ETag` and `X-Cache`."""

    async def answer() -> schemas.CoverageReport:
        await ensure_team(session, actor, team_id)
        return await conflict_service.coverage_report(
            session, actor, period.start, period.end, team_id=team_id
        )

    return await cached.serve(answer)
