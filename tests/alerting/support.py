"""Arranging alerting tests: synthetic rollups at chosen minutes, rules and channels put
straight into the database, and an evaluation round at a moment the test chooses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting import evaluator
from shiftplanner.db import session_scope
from shiftplanner.models import (
    Alert,
    AlertEvent,
    AlertRule,
    AlertSeverity,
    ChannelType,
    ComparisonOperator,
    NotificationChannel,
    NotificationDelivery,
    Organization,
    OutboxEvent,
    ProcessRollup,
    User,
)
from shiftplanner.models.request_rollup import MERGED_SOURCE, RollupResolution
from shiftplanner.monitoring.rollups.buckets import floor_minute
from shiftplanner.runtime import Runtime

# A moment of the test's own, 20 s into a minute, far from the real clock.
T0 = datetime(2031, 3, 3, 10, 0, 20, tzinfo=UTC)
PUBLIC_URL = "http://alerts.test"


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def cpu_row(now: datetime, percent: float) -> ProcessRollup:
    """The service's CPU in the minute before `now` (what a 1-minute window reads)."""
    row = ProcessRollup.empty(
        RollupResolution.MINUTE, floor_minute(now) - minutes(1), MERGED_SOURCE
    )
    row.samples = 1
    row.cpu_percent_avg = row.cpu_percent_max = percent
    return row


async def cpu(runtime: Runtime, now: datetime, percent: float) -> None:
    async with session_scope(runtime.session_factory) as session:
        session.add(cpu_row(now, percent))


async def make_rule(session: AsyncSession, org: Organization, **fields: Any) -> AlertRule:
    values: dict[str, Any] = {
        "name": f"CPU high {fields.get('threshold', 80)}",
        "type": "RESOURCE_EXHAUSTION",
        "metric": "cpuUsage",
        "operator": ComparisonOperator.GT,
        "threshold": 80.0,
        "duration_minutes": 0,
        "window_minutes": 1,
        "severity": AlertSeverity.HIGH,
        "keep_firing_minutes": 0,
        "params": {},
        "labels": {},
        "channel_ids": [],
    }
    values.update(fields)
    rule = AlertRule(org_id=org.id, **values)
    session.add(rule)
    await session.commit()
    return rule


async def in_app_channel(
    session: AsyncSession, org: Organization, *users: User
) -> NotificationChannel:
    channel = NotificationChannel(
        org_id=org.id,
        name=f"feed {org.id} {len(users)}",
        type=ChannelType.IN_APP,
        config={"user_ids": [user.id for user in users]},
    )
    session.add(channel)
    await session.commit()
    return channel


async def evaluate(runtime: Runtime, now: datetime) -> evaluator.RoundResult:
    async with session_scope(runtime.session_factory) as session:
        return await evaluator.evaluate_all(session, now=now, public_url=PUBLIC_URL)


async def alerts_of(session: AsyncSession, rule_id: int) -> list[Alert]:
    session.expunge_all()
    rows = await session.scalars(select(Alert).where(Alert.rule_id == rule_id).order_by(Alert.id))
    return list(rows)


async def rule_row(session: AsyncSession, rule_id: int) -> AlertRule:
    session.expunge_all()
    rule = await session.get(AlertRule, rule_id)
    assert rule is not None
    return rule


async def history(session: AsyncSession, alert_id: int) -> list[str]:
    rows = await session.scalars(
        select(AlertEvent.kind).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
    )
    return list(rows)


async def notices(session: AsyncSession, alert_id: int) -> list[tuple[str, str]]:
    """(kind, recipient) of every notice queued about the alert, in order."""
    rows = await session.execute(
        select(NotificationDelivery.kind, NotificationDelivery.recipient)
        .where(NotificationDelivery.alert_id == alert_id)
        .order_by(NotificationDelivery.id)
    )
    return [(kind, recipient) for kind, recipient in rows.all()]


async def events(session: AsyncSession, org_id: int, prefix: str = "alert.") -> list[str]:
    rows = await session.scalars(
        select(OutboxEvent.event_type)
        .where(OutboxEvent.org_id == org_id, OutboxEvent.event_type.like(f"{prefix}%"))
        .order_by(OutboxEvent.id)
    )
    return list(rows)
