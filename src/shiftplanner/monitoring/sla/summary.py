"""The SLA report as `/monitoring/sla` and the dashboard show it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.monitoring.rollups.windows import parse_window
from shiftplanner.monitoring.sla import schemas
from shiftplanner.monitoring.sla import service as sla_service


async def sla_report(
    session: AsyncSession, settings: Settings, window: str, now: datetime
) -> schemas.SlaReport:
    """Over `window` (`30d`; refused with the reason when it cannot be read)."""
    length = parse_window(window, max_days=settings.rollup_hour_retention_days)
    report = await sla_service.report(
        session,
        window=length,
        now=now,
        targets=sla_service.Targets.of(settings),
        minute_retention=timedelta(days=settings.rollup_minute_retention_days),
    )
    return schemas.SlaReport(
        window=window.strip(),
        start=report.start,
        end=report.end,
        measured_since=report.measured_since,
        measured_minutes=report.measured_minutes,
        availability_percent=schemas.Objective.model_validate(report.availability),
        error_rate_percent=schemas.Objective.model_validate(report.error_rate),
        p95_ms=schemas.Objective.model_validate(report.p95),
        requests=report.requests,
        error_budget=schemas.ErrorBudget.model_validate(report.budget),
        spent_by=[schemas.DownSpan.model_validate(span) for span in report.spans],
        spent_by_count=report.span_count,
    )
