from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from shiftplanner.conflicts import service as conflict_service
from shiftplanner.dependencies import RuntimeDep, SessionDep
from shiftplanner.generation import schemas
from shiftplanner.generation import service as generation_service
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import IdPath
from shiftplanner.models import JobStatus
from shiftplanner.scheduling.problem import Problem
from shiftplanner.security.dependencies import ManagerActor
from shiftplanner.teams.dependencies import TeamFilter

router = APIRouter(prefix="/api/schedules/generate", tags=["schedule generation"])

NOT_FOUND = problems({404: "No such generation job in your organization"})


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        409: problem(
            "The team already has a queued or running job, the organization has as many as "
            "it may, or there is nothing to plan"
        ),
        422: problem("Unknown team, or a range inverted or longer than 366 days"),
    },
)
async def generate(
    data: schemas.GenerateRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    actor: ManagerActor,
    response: Response,
) -> schemas.Job:
    """Queue a schedule generation job for a team and up to 366 days (manager or admin).
    The solver runs in the background, at most `time_limit_seconds`; poll the job for its
    progress and, once it ended, its proposal. One job per team at a time, and at most 10
    queued or running per organization (settings). Solvers go to organizations in turn,
    one job of each at a time: `queue_position` and `estimated_start_at` say when yours
    gets one.

    With `options.replan` the current schedule is the starting point and every change
    against it costs `weights.change`: use it to repair a schedule (after an absence was
    approved) rather than plan it afresh. `options.weights` override the team's weights
    for this run."""
    queue = runtime.generation_queue
    job = await generation_service.create_job(session, actor, data, queue)
    response.headers["Location"] = f"{router.prefix}/{job.id}"
    [shown] = await generation_service.describe(session, [job], queue)
    return shown


@router.get("", responses=problems({422: "An unknown status"}))
async def list_jobs(
    session: SessionDep,
    runtime: RuntimeDep,
    actor: ManagerActor,
    page: PageParamsDep,
    team_id: TeamFilter = None,
    job_status: Annotated[
        list[JobStatus] | None, Query(alias="status", description="Only these (repeatable).")
    ] = None,
) -> Page[schemas.Job]:
    """Your organization's generation jobs, newest first (manager or admin): status,
    team, range, progress and, while queued, place in the queue and estimated start."""
    jobs, cursor = await generation_service.list_jobs(
        session, actor, page, team_id=team_id, statuses=job_status or ()
    )
    shown = await generation_service.describe(session, jobs, runtime.generation_queue)
    return Page[schemas.Job](items=shown, next_cursor=cursor)


@router.get("/{job_id}", responses=NOT_FOUND)
async def get_job(
    job_id: IdPath, session: SessionDep, runtime: RuntimeDep, actor: ManagerActor
) -> schemas.JobDetail:
    """A job's status and progress (each improvement: seconds, objective, bound), while
    queued its place in the queue, and once it ended with a solution the proposal: the
    solution with its cost breakdown (or, infeasible, the explanation), the proposed
    assignments, the conflicts they would leave, and for a re-plan each analyst-day that
    changes."""
    return await generation_service.job_detail(session, actor, job_id, runtime.generation_queue)


@router.get("/{job_id}/problem", response_model=Problem, responses=NOT_FOUND)
async def get_problem(job_id: IdPath, session: SessionDep, actor: ManagerActor) -> JSONResponse:
    """The exact problem the job solves, as JSON: attach it to a bug report, or solve it
    again with `shiftplanner solve problem.json`."""
    return JSONResponse(await generation_service.get_problem(session, actor, job_id))


@router.post(
    "/{job_id}/apply",
    responses={
        **NOT_FOUND,
        409: problem(
            "Not succeeded, already applied, the schedule changed since the job was made, "
            "or the proposal would create hard conflicts (listed in `conflicts`)"
        ),
    },
)
async def apply_job(
    job_id: IdPath, session: SessionDep, actor: ManagerActor
) -> schemas.ApplyResult:
    """Write a succeeded job's proposal to the schedule (manager or admin): the team's
    assignments in the range become the proposal, as `generated`, locked ones kept, in one
    transaction. Refused with 409 if the team's schedule in the range changed since the
    job was made."""
    job, outcome = await generation_service.apply_job(session, actor, job_id)
    return schemas.ApplyResult.model_validate(
        {
            "job": schemas.Job.model_validate(job),
            "created": outcome.created,
            "updated": outcome.updated,
            "deleted": outcome.deleted,
            "conflicts": [conflict_service.to_schema(c) for c in outcome.conflicts],
        },
        from_attributes=True,
    )


@router.post(
    "/{job_id}/stop",
    responses={**NOT_FOUND, 409: problem("The job is not running")},
)
async def stop_job(job_id: IdPath, session: SessionDep, actor: ManagerActor) -> schemas.Job:
    """Stop a running job now and keep the best roster found so far (manager or admin):
    when the gap is already small, waiting for the rest of the time limit buys little. The
    solver stops within about a second; the job then ends `stopped`, and its proposal can
    be applied like a succeeded one."""
    job = await generation_service.end_job(session, actor, job_id, JobStatus.STOPPED)
    return schemas.Job.model_validate(job)


@router.delete(
    "/{job_id}", responses={**NOT_FOUND, 409: problem("The job is no longer queued or running")}
)
async def cancel_job(job_id: IdPath, session: SessionDep, actor: ManagerActor) -> schemas.Job:
    """Cancel a job (manager or admin). A queued one is cancelled at once. A running one
    is stopped within about a second and ends `cancelled`, keeping the best roster found
    by then: it can still be applied, should you change your mind."""
    job = await generation_service.end_job(session, actor, job_id, JobStatus.CANCELLED)
    return schemas.Job.model_validate(job)
