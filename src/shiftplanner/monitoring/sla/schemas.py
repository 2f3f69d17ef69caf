from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shiftplanner.kit.schemas import Schema


class Objective(Schema):
    target: float
    actual: float | None = Field(description="Null without measurements in the window.")
    met: bool | None = Field(description="Null without measurements to judge by.")


class ErrorBudget(Schema):
    allowed_minutes: float = Field(description="(1 - availability target) × minutes in the window.")
    spent_minutes: float = Field(description="Down minutes (see `spent_by`).")
    remaining_minutes: float = Field(description="Negative once the budget is overspent.")
    remaining_percent: float | None = Field(description="Null when the target allows nothing.")


class DownSpan(Schema):
    start: datetime
    end: datetime
    down_minutes: float = Field(
        description="Budget spent: a minute counts by the share of its probe runs that "
        "failed, a minute without any probe result counts whole."
    )
    reason: Literal["probe_failed", "no_probe", "probe_failed_and_no_probe"]


class SlaReport(Schema):
    window: str
    start: datetime
    end: datetime = Field(description="The start of the minute before the current one.")
    measured_since: datetime | None = Field(
        description="The window's start, or the service's first probe result if later."
    )
    measured_minutes: int
    availability_percent: Objective = Field(
        description="From the synthetic probe; higher is better."
    )
    error_rate_percent: Objective = Field(description="Server errors (5xx) of all requests.")
    p95_ms: Objective = Field(description="95th percentile of request latency.")
    requests: int
    error_budget: ErrorBudget
    spent_by: list[DownSpan] = Field(
        description="Runs of down minutes (hours, past the minute retention), newest first, "
        "at most 200."
    )
    spent_by_count: int = Field(description="How many runs there are in all.")
