"""What the solver returns: the roster, how good it is and how sure we are of it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shiftplanner.scheduling.problem import Assignment


class Status(StrEnum):
    OPTIMAL = "optimal"  # proved best
    FEASIBLE = "feasible"  # a roster keeping every hard rule; maybe not the best
    INFEASIBLE = "infeasible"  # no roster keeps every hard rule: see `explanation`
    UNKNOWN = "unknown"  # no roster found within the time limit


class Term(StrEnum):
    UNDER_COVER = "under_cover"
    OVER_COVER = "over_cover"
    SCREENER_SHORT = "screener_short"
    SKILL_SHORT = "skill_short"
    UNMET_ON_REQUESTS = "unmet_on_requests"
    UNGRANTED_OFF_REQUESTS = "ungranted_off_requests"
    FAIRNESS_WEEKENDS = "fairness_weekends"
    FAIRNESS_NIGHTS = "fairness_nights"
    FAIRNESS_SCREENER = "fairness_screener"
    CHANGES = "changes"
    # The limits `Weights` makes soft (0 while they are hard).
    CONSECUTIVE_DAYS = "consecutive_days"
    CONSECUTIVE_DAYS_OFF = "consecutive_days_off"
    CONSECUTIVE_SHIFT_TYPE = "consecutive_shift_type"
    ASSIGNMENTS = "assignments"
    WEEKENDS = "weekends"
    COMPLETE_WEEKENDS = "complete_weekends"


class TermCost(BaseModel):
    model_config = ConfigDict(frozen=True)

    count: int = Field(description="Analysts short, requests unmet, spread, changes ...")
    penalty: int = Field(description="What it adds to the objective (count × weight, or per item).")


class Violation(BaseModel):
    """A hard rule a roster breaks (from the checker), or one the solver had to break to
    explain an infeasible problem."""

    model_config = ConfigDict(frozen=True)

    rule: str
    message: str
    analyst_id: int | None = None
    shift_type_id: int | None = None
    dates: list[date] = Field(default_factory=list)
    amount: int = Field(default=1, description="By how much: days, shifts, minutes, analysts.")


class Progress(BaseModel):
    model_config = ConfigDict(frozen=True)

    seconds: float
    objective: int
    bound: int


class Solution(BaseModel):
    status: Status
    assignments: list[Assignment] = Field(default_factory=list)
    objective: int | None = None
    bound: int | None = Field(default=None, description="Proved lower bound of the objective.")
    gap: float | None = Field(
        default=None, description="(objective - bound) / objective; 0 when optimal."
    )
    breakdown: dict[Term, TermCost] = Field(default_factory=dict)
    seconds_to_first: float | None = None
    seconds_to_best: float | None = None
    seconds: float = 0.0
    progress: list[Progress] = Field(
        default_factory=list, description="Each improvement found, in order."
    )
    explanation: list[Violation] = Field(
        default_factory=list,
        description="For an infeasible problem: the fewest hard-rule breaks that would allow a roster.",
    )
