from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.openapi import problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.time import utcnow
from shiftplanner.kit.validators import IdPath
from shiftplanner.performance.cache.dependencies import CachedAnswerDep
from shiftplanner.schedules import service as schedule_service
from shiftplanner.schedules.schemas import Moment, OnShiftAnalyst, OnShiftNow
from shiftplanner.security.dependencies import AdminActor, CurrentActor, ManagerActor
from shiftplanner.shifts.dependencies import ShiftTypeQuery
from shiftplanner.teams import schemas
from shiftplanner.teams import service as team_service

router = APIRouter(prefix="/api/teams", tags=["teams"])


@router.get("", response_model=Page[schemas.Team])
async def list_teams(
    session: SessionDep, actor: CurrentActor, page: PageParamsDep, cached: CachedAnswerDep
) -> Response:
    """The teams (sites, regions) of your organization. Cached: see `ETag` and `X-Cache`."""

    async def answer() -> Page[schemas.Team]:
        return Page[schemas.Team].build(*await team_service.list_teams(session, actor, page))

    return await cached.serve(answer)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems({409: "Code taken"}))
async def create_team(
    data: schemas.TeamCreate, session: SessionDep, actor: AdminActor
) -> schemas.Team:
    """Add a team with its IANA time zone (admin)."""
    return schemas.Team.model_validate(await team_service.create_team(session, actor, data))


@router.get("/{team_id}", responses=problems({404: "No such team in your organization"}))
async def get_team(team_id: IdPath, session: SessionDep, actor: CurrentActor) -> schemas.Team:
    """One team."""
    return schemas.Team.model_validate(await team_service.get_team(session, actor, team_id))


@router.patch("/{team_id}", responses=problems({404: "Not found", 409: "Code taken"}))
async def update_team(
    team_id: IdPath, data: schemas.TeamUpdate, session: SessionDep, actor: AdminActor
) -> schemas.Team:
    """Rename a team or change its code or time zone (admin). Shift times stay local: a new
    time zone moves every shift of the team in UTC."""
    return schemas.Team.model_validate(
        await team_service.update_team(session, actor, team_id, data)
    )


@router.delete(
    "/{team_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems({404: "Not found", 409: "Team still in use"}),
)
async def delete_team(team_id: IdPath, session: SessionDep, actor: AdminActor) -> None:
    """Delete a team without analysts or shift types, with its holidays and blackout dates (admin)."""
    await team_service.delete_team(session, actor, team_id)


@router.get(
    "/{team_id}/schedule-settings", responses=problems({404: "No such team in your organization"})
)
async def get_schedule_settings(
    team_id: IdPath, session: SessionDep, actor: CurrentActor
) -> schemas.ScheduleSettings:
    """How schedule generation weighs the team's soft rules, and the team's own rules (the
    defaults until someone sets them)."""
    return schemas.ScheduleSettings.model_validate(
        await team_service.get_schedule_settings(session, actor, team_id)
    )


@router.put(
    "/{team_id}/schedule-settings",
    responses=problems({404: "No such team in your organization", 422: "Unknown weight name"}),
)
async def put_schedule_settings(
    team_id: IdPath, data: schemas.ScheduleSettingsInput, session: SessionDep, actor: ManagerActor
) -> schemas.ScheduleSettings:
    """Replace the team's schedule generation settings (manager or admin); a field left
    out takes its default."""
    return schemas.ScheduleSettings.model_validate(
        await team_service.put_schedule_settings(session, actor, team_id, data)
    )


@router.get(
    "/{team_id}/on-shift",
    responses=problems(
        {
            404: "No such team in your organization",
            422: "`at` without a time zone, or a shift type not of this team",
        }
    ),
)
async def get_on_shift(
    team_id: IdPath,
    session: SessionDep,
    actor: CurrentActor,
    at: Annotated[
        Moment | None,
        Query(description="The moment, ISO 8601 with a time zone offset; now if left out."),
    ] = None,
    shift_type_id: ShiftTypeQuery = None,
    screeners_only: Annotated[
        bool, Query(description="Only qualified analysts on screener duty.")
    ] = False,
) -> OnShiftNow:
    """Who of the team is on shift at `at` (now by default), as alert escalation sees it:
    the live schedule with shift times local to the team (a night that began yesterday
    counts; a DST change lengthens or shortens it), less inactive analysts and analysts
    on an approved absence. A shift includes its start and excludes its end. Every role
    sees the names; email and phone only managers and admins."""
    moment = at or utcnow()
    working = await schedule_service.on_shift(
        session,
        actor,
        team_id=team_id,
        at=moment,
        shift_type_id=shift_type_id,
        screeners_only=screeners_only,
    )
    contact = actor.can_manage
    return OnShiftNow(
        team_id=team_id,
        at=moment,
        items=[
            OnShiftAnalyst(
                analyst_id=o.analyst_id,
                name=o.name,
                shift_type_id=o.shift_type_id,
                shift_type_name=o.shift_type_name,
                date=o.date,
                starts_at=o.starts_at,
                ends_at=o.ends_at,
                is_screener=o.is_screener,
                email=o.email if contact else None,
                phone=o.phone if contact else None,
            )
            for o in working
        ],
    )
