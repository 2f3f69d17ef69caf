from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shiftplanner.alerting.alerts.schemas import Alert
from shiftplanner.kit.schemas import Schema
from shiftplanner.monitoring.errors.schemas import ErrorGroup
from shiftplanner.monitoring.health.schemas import HealthReport
from shiftplanner.monitoring.rollups.schemas import MetricsSummary
from shiftplanner.monitoring.sla.schemas import SlaReport
from shiftplanner.performance.cache.schemas import CacheStats


class RoutePerformance(Schema):
    method: str
    route: str = Field(description="The route template, e.g. /api/analysts/{analyst_id}.")
    requests: int
    average_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float
    error_rate_percent: float | None = Field(description="Answered 5xx.")
    queries_per_request: float | None
    slow: bool = Field(description="p95 above the slow request threshold.")


class StatementPerformance(Schema):
    text: str = Field(description="Normalised: literals and parameter lists collapsed.")
    operation: str
    calls: int
    total_ms: float
    mean_ms: float
    p95_ms: float | None = Field(description="Null from pg_stat_statements, which keeps none.")
    max_ms: float | None
    slow: bool = Field(description="Mean above the slow statement threshold.")


class Thresholds(Schema):
    slow_request_ms: float = Field(description="SHIFTPLANNER_SLOW_REQUEST_THRESHOLD_MS")
    slow_query_ms: float = Field(description="SHIFTPLANNER_SLOW_QUERY_THRESHOLD_MS")


class PerformanceReport(Schema):
    window: str
    start: datetime
    end: datetime
    thresholds: Thresholds
    routes: list[RoutePerformance] = Field(description="Every route with requests, by p95.")
    slowest_routes: list[RoutePerformance] = Field(
        description="The routes whose p95 is above the threshold, slowest first."
    )
    statements_source: Literal["pg_stat_statements", "process"] = Field(
        description="`pg_stat_statements` (every process, since the statistics were reset) "
        "when PostgreSQL has the extension loaded; else `process`: this process's own "
        "measurements since it started."
    )
    slowest_statements: list[StatementPerformance] = Field(description="By total time.")


class SeriesPoint(Schema):
    minute: datetime
    requests: int
    error_rate_percent: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class GenerationQueue(Schema):
    queued: int
    running: int
    by_status: dict[str, int]


class Dashboard(Schema):
    """What an operations page shows, in one answer."""

    generated_at: datetime
    readiness: HealthReport
    metrics: MetricsSummary
    series: list[SeriesPoint] = Field(description="The last 60 minutes, minute by minute.")
    sla: SlaReport = Field(description="Over the last 30 days.")
    performance: PerformanceReport = Field(description="Over the last 60 minutes.")
    recent_errors: list[ErrorGroup] = Field(description="The ten most recently seen.")
    cache: CacheStats = Field(description="This process's response cache.")
    generation: GenerationQueue
    open_alerts: list[Alert] = Field(
        description="Pending and firing alerts of your organization, newest first (at most 20)."
    )
    recent_alerts: list[Alert] = Field(
        description="Your organization's latest alerts in any state (at most 10)."
    )
