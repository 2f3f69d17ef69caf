from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, model_validator

from shiftplanner.conflicts.schemas import Conflict
from shiftplanner.kit.schemas import InputSchema, Schema
from shiftplanner.kit.validators import Day, Id
from shiftplanner.models import JobStatus
from shiftplanner.schedules.schemas import Assignment
from shiftplanner.scheduling.problem import MAX_HORIZON_DAYS, Weights
from shiftplanner.scheduling.solution import Status, Term, TermCost, Violation

MIN_TIME_LIMIT_SECONDS = 1
MAX_TIME_LIMIT_SECONDS = 600
DEFAULT_TIME_LIMIT_SECONDS = 60


class GenerateOptions(InputSchema):
    replan: bool = Field(
        default=False,
        description="Re-plan the current schedule rather than plan from scratch: every change "
        "against it costs `weights.change`, so the proposal keeps what it can (after an "
        "absence was approved, say).",
    )
    weights: Weights = Field(
        default_factory=Weights,
        description="Weights for this run, by name, over the team's; a name left out keeps "
        "the team's weight (or the solver's default).",
    )


class GenerateRequest(InputSchema):
    team_id: Id
    start: Day = Field(description="First day to plan, local to the team.")
    end: Day = Field(description=f"Last day, inclusive; at most {MAX_HORIZON_DAYS} days in all.")
    time_limit_seconds: int = Field(
        default=DEFAULT_TIME_LIMIT_SECONDS,
        ge=MIN_TIME_LIMIT_SECONDS,
        le=MAX_TIME_LIMIT_SECONDS,
        description="How long the solver may search; it stops sooner once the roster is proved best.",
    )
    options: GenerateOptions = Field(default_factory=GenerateOptions)

    @model_validator(mode="after")
    def _horizon(self) -> GenerateRequest:
        if self.end < self.start:
            raise ValueError("end is before start")
        if (self.end - self.start).days + 1 > MAX_HORIZON_DAYS:
            raise ValueError(f"at most {MAX_HORIZON_DAYS} days can be planned at once")
        return self


class JobOptions(Schema):
    replan: bool = False
    weights: dict[str, int | None] = Field(
        default_factory=dict,
        description="Only the weights the request set (null: that limit is a hard rule).",
    )


class ProgressPoint(Schema):
    seconds: float = Field(description="Since the solver started.")
    objective: int = Field(description="Cost of the best roster found so far.")
    bound: int = Field(description="Proved lower bound of the cost at that moment.")


class JobProgressed(Schema):
    """The data of a `generation.progressed` event: a running job's newest improvement."""

    id: int = Field(description="The job's id.")
    team_id: int
    point: ProgressPoint = Field(description="The newest improvement the solver found.")


class Job(Schema):
    id: int
    org_id: int
    team_id: int
    status: JobStatus
    start: date
    end: date
    time_limit_seconds: int
    replan: bool
    options: JobOptions
    progress: list[ProgressPoint] = Field(description="Each improvement the solver found.")
    error: str = Field(description="Why a failed job failed.")
    created_by_user_id: int | None
    created_at: datetime
    claimed_at: datetime | None = Field(description="When a solver was free for it.")
    started_at: datetime | None = Field(description="When its solver began to search.")
    end_requested: JobStatus | None = Field(
        description="`stopped` or `cancelled` while running: the solver is asked to end now, "
        "keeping the best roster found so far."
    )
    end_requested_at: datetime | None
    finished_at: datetime | None
    applied_at: datetime | None
    queue_position: int | None = Field(
        default=None,
        description="While queued: 1 for the next job to get a solver, among every "
        "organization's jobs (solvers go to organizations in turn).",
    )
    estimated_start_at: datetime | None = Field(
        default=None,
        description="While queued: when it gets a solver at the latest, if every job "
        "ahead of it uses its whole time limit.",
    )


class SolutionSummary(Schema):
    status: Status = Field(
        description="`optimal` or `feasible`: a roster keeping every hard rule; `infeasible`: "
        "none exists (see `explanation`); `unknown`: none found in the time limit."
    )
    objective: int | None
    bound: int | None
    gap: float | None = Field(description="(objective - bound) / objective; 0 when optimal.")
    breakdown: dict[Term, TermCost]
    seconds_to_first: float | None
    seconds_to_best: float | None
    seconds: float
    explanation: list[Violation] = Field(
        description="For an infeasible problem: the fewest hard-rule breaks that would allow a roster."
    )


class ProposedAssignment(Schema):
    analyst_id: int
    shift_type_id: int
    date: date
    is_screener: bool
    skill: str | None = Field(default=None, description="The skill need it covers.")
    is_locked: bool = Field(description="A locked assignment, kept as it is.")


class Slot(Schema):
    shift_type_id: int
    is_screener: bool
    skill: str | None = None


class Replacement(Schema):
    """One analyst's day that the re-plan changes."""

    analyst_id: int
    date: date
    before: list[Slot] = Field(description="What the analyst had that day (empty: off).")
    after: list[Slot] = Field(description="What the proposal gives them (empty: off).")


class Proposal(Schema):
    solution: SolutionSummary
    assignments: list[ProposedAssignment] = Field(
        description="The team's whole roster for the range, as applying would leave it."
    )
    conflicts: list[Conflict] = Field(
        description="What the schedule would still have wrong with the proposal in it; "
        "`item_indexes` point into `assignments`."
    )
    replacements: list[Replacement] | None = Field(
        description="When re-planning (and a roster was found): each analyst-day that "
        "changes, with what was there."
    )
    applicable: bool = Field(
        description="Whether applying would go ahead now: the job succeeded with a roster "
        "and the team's schedule in the range has not changed since the job was made."
    )


class JobDetail(Job):
    proposal: Proposal | None = Field(
        description="Once the job succeeded (or was applied): the solver's result."
    )


class ApplyResult(Schema):
    job: Job
    created: list[Assignment]
    updated: list[Assignment]
    deleted: list[int]
    conflicts: list[Conflict] = Field(
        description="Warnings around the changed assignments after the write."
    )
