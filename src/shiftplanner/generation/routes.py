from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from shiftplanner.conflicts import service as conflict_service
from shiftplanner.dependencies import SessionDep
from shiftplanner.generation import schemas
from shiftplanner.generation import service as generation_service
from shiftplanner.kit.openapi import problem, problems
from shiftplanner.kit.validators import IdPath
from shiftplanner.scheduling.problem import Problem
from shiftplanner.security.dependencies import ManagerActor

router = APIRouter(prefix="/api/schedules/generate", tags=["schedule generation"])

NOT_FOUND = problems({404: "No such generation job in your organization"})


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        409: problem("The team already has a queued or running job, or nothing to plan"),
        422: problem("Unknown team, or a range inverted or longer than 84 days"),
    },
)
async def generate(
    data: schemas.GenerateRequest, session: SessionDep, actor: ManagerActor, response: Response
) -> schemas.Job:
    """Queue a schedule generation job for a team and up to 84 days (manager or admin).
    The solver runs in the background, at most `time_limit_seconds`; poll the job for its
    progress and, once it succeeded, its proposal. One job per team at a time.

    With `options.replan` the current schedule is the starting point and every change
    against it costs `weights.change`: use it to repair a schedule (after an absence was
    approved) rather than plan it afresh. `options.weights` override the team's weights
    for this run."""
    job = await generation_service.create_job(session, actor, data)
    response.headers["Location"] = f"{router.prefix}/{job.id}"
    return schemas.Job.model_validate(job)


@router.get("/{job_id}", responses=NOT_FOUND)
async def get_job(job_id: IdPath, session: SessionDep, actor: ManagerActor) -> schemas.JobDetail:
    """A job's status and progress (each improvement: seconds, objective, bound) and, once
    it succeeded, the proposal: the solution with its cost breakdown (or, infeasible, the
    explanation), the proposed assignments, the conflicts they would leave, and for a
    re-plan each analyst-day that changes."""
    return await generation_service.job_detail(session, actor, job_id)


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


@router.delete(
    "/{job_id}", responses={**NOT_FOUND, 409: problem("The job is no longer queued or running")}
)
async def cancel_job(job_id: IdPath, session: SessionDep, actor: ManagerActor) -> schemas.Job:
    """Cancel a queued or running job (manager or admin); a running solver is stopped."""
    return schemas.Job.model_validate(await generation_service.cancel_job(session, actor, job_id))
