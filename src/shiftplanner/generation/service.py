"""Schedule generation jobs: made by a manager for one team and a date range, run by the
runner in a solver process of their own, read while they run, and applied (or cancelled).

A job stores the exact problem it solves and a fingerprint of the team's schedule in the
range; applying refuses when the schedule changed since, so a proposal never overwrites
work it did not see. Applying goes through the schedule's bulk write path: one
transaction, the conflict checks, and the schedule events of every change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.conflicts import service as conflict_service
from shiftplanner.conflicts.facts import AssignmentFacts
from shiftplanner.db import lock_rows
from shiftplanner.errors import Conflict, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.generation import lifecycle, proposal, schemas
from shiftplanner.generation import problem as problem_builder
from shiftplanner.generation.repository import (
    GenerationJobRepository,
    JobQueue,
    ProblemSourcesRepository,
    ScheduleScopeRepository,
)
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import current_request_id
from shiftplanner.models import Analyst, GenerationJob, JobStatus, Team
from shiftplanner.schedules import service as schedule_service
from shiftplanner.schedules.service import Outcome
from shiftplanner.scheduling.problem import Problem
from shiftplanner.scheduling.solution import Solution, Status
from shiftplanner.security.actor import Actor

WITH_ROSTER = (Status.OPTIMAL, Status.FEASIBLE)
# Ended with a solution: a proposal to show, and (until applied) to apply.
WITH_PROPOSAL = (JobStatus.SUCCEEDED, JobStatus.STOPPED, JobStatus.CANCELLED, JobStatus.APPLIED)
APPLICABLE = (JobStatus.SUCCEEDED, JobStatus.STOPPED, JobStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    """How many solvers the deployment runs, and each organization's share."""

    solvers: int
    running_per_org: int
    active_per_org: int

    @classmethod
    def of(cls, settings: Settings) -> QueuePolicy:
        return cls(
            solvers=settings.solver_max_jobs,
            running_per_org=settings.generation_max_running_per_org,
            active_per_org=settings.generation_max_active_per_org,
        )


async def build_problem(
    session: AsyncSession,
    actor: Actor,
    team: Team,
    start: date,
    end: date,
    *,
    replan: bool = False,
    weights: Mapping[str, int | None] | None = None,
) -> Problem:
    """The solver's problem for the team on `start`..`end`, from the database as it is
    now (see `generation.problem` for what comes from where)."""
    repository = ProblemSourcesRepository(session)
    org_id = actor.org_id
    rules = problem_builder.TeamRules.of(await repository.team_settings(org_id, team.id))
    shift_types = await repository.active_shift_types(org_id, team.id)
    analysts = await repository.active_analysts(org_id, team.id)
    analyst_ids = [a.id for a in analysts]
    # Through two days after `end`: a shift booked on another team's then may bar one here.
    assignments = await repository.assignments(
        org_id, analyst_ids, rules.looks_back_to(start), end + timedelta(days=2)
    )
    organization = await conflict_service.organization_rules(session, org_id)
    sources = problem_builder.Sources(
        team=team,
        min_rest_hours=float(organization.min_rest_hours),
        max_consecutive_days=organization.max_consecutive_days,
        rules=rules,
        shift_types=shift_types,
        analysts=analysts,
        # Through the day after `end`: an absence starting then bars a night shift on `end`.
        absences=await repository.approved_absences(
            org_id, analyst_ids, start, end + timedelta(days=1)
        ),
        holidays=await repository.holidays(org_id, team.id),
        requirements=await repository.requirements(org_id, [s.id for s in shift_types], start, end),
        requests=await repository.requests(org_id, analyst_ids, start, end),
        assignments=assignments,
        night_shift_ids=await repository.night_shift_ids(
            org_id, {a.shift_type_id for a in assignments}
        ),
        other_shift_types=await repository.shift_types_with_zones(
            org_id, {a.shift_type_id for a in assignments} - {s.id for s in shift_types}
        ),
    )
    return problem_builder.build(sources, start, end, replan=replan, weights=weights)


async def create_job(
    session: AsyncSession, actor: Actor, data: schemas.GenerateRequest, policy: QueuePolicy
) -> GenerationJob:
    """Queue a generation job for a team: one queued or running job per team, and at
    most `policy.active_per_org` per organization, at a time."""
    team = await ProblemSourcesRepository(session).team(actor.org_id, data.team_id)
    if team is None:
        raise InvalidInput(f"Team {data.team_id} does not exist.", pointer="#/team_id")
    # Two managers asking at once: the second waits here, then sees the first's job.
    await lock_rows(session, Team.id, [team.id])
    jobs = GenerationJobRepository(session)
    active = await jobs.active_for_team(actor.org_id, team.id)
    if active is not None:
        raise Conflict(
            f"Team {team.id} already has a {active.status.value} generation job ({active.id}); "
            "wait for it to finish or cancel it.",
            extra={"job_id": active.id},
        )
    if await jobs.count_active(actor.org_id) >= policy.active_per_org:
        raise Conflict(
            f"Your organization already has {policy.active_per_org} generation jobs queued or "
            "running, the most it may have; wait for one to finish or cancel one."
        )
    weights = data.options.weights.model_dump(exclude_unset=True)
    try:
        problem = await build_problem(
            session,
            actor,
            team,
            data.start,
            data.end,
            replan=data.options.replan,
            weights=weights,
        )
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'problem'}: {e['msg']}"
            for e in error.errors(include_url=False)
        )
        raise Conflict(
            f"The team's scheduling data does not make a valid problem: {reasons}"
        ) from None
    if not problem.shift_types or not problem.analysts:
        raise Conflict(f"Team {team.id} has no active shift types or no active analysts to plan.")
    fingerprint = await ScheduleScopeRepository(session).fingerprint(
        actor.org_id, team.id, data.start, data.end
    )
    job = await jobs.add(
        GenerationJob(
            org_id=actor.org_id,
            team_id=team.id,
            status=JobStatus.QUEUED,
            start=data.start,
            end=data.end,
            time_limit_seconds=data.time_limit_seconds,
            replan=data.options.replan,
            options={"replan": data.options.replan, "weights": weights},
            problem=problem.model_dump(mode="json"),
            progress=[],
            schedule_fingerprint=fingerprint,
            created_by_user_id=actor.user_id,
            request_id=current_request_id(),
        )
    )
    lifecycle.emit(session, job, actor_user_id=actor.user_id)
    return job


async def get_job(session: AsyncSession, actor: Actor, job_id: int) -> GenerationJob:
    job = await GenerationJobRepository(session).get(actor.org_id, job_id)
    if job is None:
        raise NotFound.resource("Generation job", job_id)
    return job


async def get_problem(session: AsyncSession, actor: Actor, job_id: int) -> dict[str, Any]:
    """The exact problem JSON the job solves."""
    return dict((await get_job(session, actor, job_id)).problem)


async def _queue_places(session: AsyncSession, policy: QueuePolicy) -> dict[int, tuple[int, Any]]:
    """Each queued job's place in the queue and estimated start."""
    queue = JobQueue(session)
    free = max(0, policy.solvers - len(await queue.running(utcnow())))
    planned = await queue.plan(free_solvers=free, per_org=policy.running_per_org)
    return {p.job_id: (p.position, p.starts_at) for p in planned}


def _job(job: GenerationJob, places: Mapping[int, tuple[int, Any]]) -> schemas.Job:
    position, starts_at = places.get(job.id, (None, None))
    return schemas.Job.model_validate(job).model_copy(
        update={"queue_position": position, "estimated_start_at": starts_at}
    )


async def describe(
    session: AsyncSession, jobs: Sequence[GenerationJob], policy: QueuePolicy
) -> list[schemas.Job]:
    """The jobs as the API shows them: with their place in the queue while queued."""
    places = (
        await _queue_places(session, policy)
        if any(job.status is JobStatus.QUEUED for job in jobs)
        else {}
    )
    return [_job(job, places) for job in jobs]


async def list_jobs(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    team_id: int | None = None,
    statuses: Sequence[JobStatus] = (),
) -> tuple[list[GenerationJob], str | None]:
    """The organization's jobs, newest first."""
    return await GenerationJobRepository(session).newest_first(
        actor.org_id, params, team_id=team_id, statuses=statuses
    )


async def job_detail(
    session: AsyncSession, actor: Actor, job_id: int, policy: QueuePolicy
) -> schemas.JobDetail:
    """The job, its progress and place in the queue, and once it ended with a solution
    its proposal."""
    job = await get_job(session, actor, job_id)
    found = None
    if job.status in WITH_PROPOSAL and job.solution is not None:
        found = await _proposal(session, actor, job)
    [shown] = await describe(session, [job], policy)
    return schemas.JobDetail.model_validate({**shown.model_dump(), "proposal": found})


async def _proposal(session: AsyncSession, actor: Actor, job: GenerationJob) -> schemas.Proposal:
    problem = Problem.model_validate(job.problem)
    solution = Solution.model_validate(job.solution)
    summary = schemas.SolutionSummary.model_validate(solution, from_attributes=True)
    if solution.status not in WITH_ROSTER:
        return schemas.Proposal(
            solution=summary, assignments=[], conflicts=[], replacements=None, applicable=False
        )
    roster = solution.assignments
    scope = ScheduleScopeRepository(session)
    analyst_ids = {a.id for a in problem.analysts}
    shift_ids = {s.id for s in problem.shift_types}
    planned = await scope.planned(actor.org_id, analyst_ids, shift_ids, job.start, job.end)
    found = await conflict_service.detect_replacing(
        session,
        actor,
        job.start,
        job.end,
        replaced=[a.id for a in planned],
        proposed=[
            AssignmentFacts(
                id=-(index + 1),
                analyst_id=a.analyst_id,
                shift_type_id=a.shift_type_id,
                date=a.date,
                is_screener=a.is_screener,
                skill=a.skill,
            )
            for index, a in enumerate(roster)
        ],
    )
    items = {-(index + 1): index for index in range(len(roster))}
    unchanged = job.schedule_fingerprint == await scope.fingerprint(
        actor.org_id, job.team_id, job.start, job.end
    )
    return schemas.Proposal(
        solution=summary,
        assignments=proposal.proposed(problem, roster),
        conflicts=[
            conflict_service.to_schema(c, proposed_items=items)
            for c in found
            if c.analyst_id in analyst_ids or c.shift_type_id in shift_ids
        ],
        replacements=(
            proposal.replacements(problem.hint, roster) if problem.hint is not None else None
        ),
        applicable=job.status in APPLICABLE and unchanged,
    )


async def _locked_job(session: AsyncSession, actor: Actor, job_id: int) -> GenerationJob:
    """The job, locked until the transaction ends and read again under the lock."""
    job = await get_job(session, actor, job_id)
    await lock_rows(session, GenerationJob.id, [job.id])
    await session.refresh(job)
    return job


async def end_job(
    session: AsyncSession, actor: Actor, job_id: int, wanted: JobStatus
) -> GenerationJob:
    """End a job early (`wanted`: stopped or cancelled). A queued one is cancelled at
    once (it has nothing to keep; asking to stop it is refused). A running one is asked
    to end: its solver stops within about a second and the job ends as `wanted` with the
    best roster found by then, which can still be applied."""
    job = await _locked_job(session, actor, job_id)
    if job.status is JobStatus.QUEUED:
        if wanted is JobStatus.STOPPED:
            raise Conflict("The job has not started yet: there is nothing to keep; cancel it.")
        job.status = JobStatus.CANCELLED
        job.finished_at = utcnow()
        await session.flush()
        lifecycle.emit(session, job, actor_user_id=actor.user_id)
        return job
    if job.status is not JobStatus.RUNNING:
        raise Conflict(f"The job is {job.status.value}; only a queued or running job can be ended.")
    if job.end_requested is None:
        job.end_requested = wanted
        job.end_requested_at = utcnow()
        await session.flush()
        lifecycle.emit(
            session, job, EventType.GENERATION_END_REQUESTED, actor_user_id=actor.user_id
        )
    return job


async def apply_job(
    session: AsyncSession, actor: Actor, job_id: int
) -> tuple[GenerationJob, Outcome]:
    """Write a succeeded job's proposal to the schedule: the team's assignments in the
    range become the proposal (locked ones are kept), all or nothing, as generated."""
    job = await _locked_job(session, actor, job_id)
    if job.status is JobStatus.APPLIED:
        raise Conflict("The job's proposal has already been applied.")
    if job.status not in APPLICABLE or job.solution is None:
        raise Conflict(
            f"The job is {job.status.value}; only a job that ended with a roster "
            "(succeeded, stopped or cancelled while running) can be applied."
        )
    solution = Solution.model_validate(job.solution)
    if solution.status not in WITH_ROSTER:
        raise Conflict(
            f"The solver found no roster ({solution.status.value}); there is nothing to apply."
        )
    problem = Problem.model_validate(job.problem)
    analyst_ids = {a.id for a in problem.analysts}
    shift_ids = {s.id for s in problem.shift_types}
    # From here on nobody books these analysts until we commit, so the schedule we
    # compare is the one we write over.
    await lock_rows(session, Analyst.id, analyst_ids)
    scope = ScheduleScopeRepository(session)
    if await scope.fingerprint(actor.org_id, job.team_id, job.start, job.end) != (
        job.schedule_fingerprint
    ):
        raise Conflict(
            "The team's schedule in the range changed since the job was made; "
            "generate again to plan over the changes."
        )
    current = await scope.planned(actor.org_id, analyst_ids, shift_ids, job.start, job.end)
    writes = proposal.plan_writes(current, solution.assignments)
    outcome = (
        await schedule_service.apply_writes(session, actor, writes, bulk=True)
        if writes
        else Outcome()
    )
    job.status = JobStatus.APPLIED
    job.applied_at = utcnow()
    await session.flush()
    lifecycle.emit(session, job, actor_user_id=actor.user_id)
    return job, outcome


async def count_jobs_by_status(session: AsyncSession) -> dict[JobStatus, int]:
    """Jobs of every organization per status (every status present, 0 if none): for
    the domain gauges."""
    counts = await JobQueue(session).count_by_status()
    return {status: counts.get(status, 0) for status in JobStatus}


async def solve_durations(
    session: AsyncSession, finished_after: datetime
) -> list[tuple[datetime, float]]:
    """(finished_at, seconds from the solver's start to the job's end) of every job that
    finished after `finished_after`, oldest first: for the solve-time histogram."""
    return [
        (finished, (finished - started).total_seconds())
        for started, finished in await JobQueue(session).solve_times(finished_after)
    ]
