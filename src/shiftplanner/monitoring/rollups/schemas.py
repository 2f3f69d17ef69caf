from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shiftplanner.kit.schemas import Schema


class WindowFigures(Schema):
    minutes: int = Field(description="The window: the last N whole minutes.")
    requests: int
    request_rate_per_minute: float
    error_rate_percent: float | None = Field(description="Answered 5xx; null without requests.")
    client_error_rate_percent: float | None = Field(description="Answered 4xx.")
    average_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    bytes_sent: int
    queries: int
    slow_queries: int


class RouteFigures(Schema):
    method: str
    route: str = Field(description="The route template, e.g. /api/analysts/{analyst_id}.")
    requests: int
    total_ms: float
    average_ms: float | None
    p95_ms: float | None
    max_ms: float
    errors_4xx: int
    errors_5xx: int


class ProcessFigures(Schema):
    minute: datetime = Field(description="The latest minute stored.")
    cpu_percent: float = Field(description="Percent of one core, the processes together.")
    rss_mb: float = Field(description="Resident memory, the processes together.")
    event_loop_lag_ms: float = Field(description="The worst process's worst lag.")
    db_pool_in_use: int
    db_pool_size: int
    db_pool_utilization_percent: float | None
    cache_hits: int
    cache_misses: int
    cache_miss_rate_percent: float | None


class MetricsSummary(Schema):
    generated_at: datetime
    window_end: datetime = Field(description="Windows end at the start of the current minute.")
    windows: list[WindowFigures]
    top_routes_by_time: list[RouteFigures] = Field(description="Last 60 minutes.")
    top_routes_by_errors: list[RouteFigures] = Field(description="Last 60 minutes.")
    process: ProcessFigures | None = Field(description="Null before the first minute is stored.")


class ChartPoint(Schema):
    start: datetime = Field(description="The step's start.")
    requests: int
    request_rate_per_minute: float = Field(
        description="Requests per minute of the step (of its part before `end` for the last)."
    )
    error_rate_percent: float | None = Field(description="Answered 5xx; null without requests.")
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class MetricsSeries(Schema):
    window: str
    start: datetime = Field(description="The window's start, rounded down to a step.")
    end: datetime = Field(description="The start of the current minute.")
    step_seconds: int = Field(description="1, 5 or 15 minutes, or 1 or 6 hours, or a day.")
    points: list[ChartPoint] = Field(
        description="Every step of the window, oldest first; those without requests as zero."
    )
