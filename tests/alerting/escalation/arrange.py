"""Arranging escalation tests: policies and firing alerts put straight into the database,
people on shift, and what each person's in-app feed and the alert's history then show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import (
    Alert,
    AlertEvent,
    AlertSeverity,
    AlertStatus,
    Analyst,
    ComparisonOperator,
    EscalationPolicy,
    Notification,
    Role,
    User,
)
from shiftplanner.runtime import Runtime
from tests.factories import Tenant, make_analyst, make_assignment, make_user

PUBLIC_URL = "http://alerts.test"
MONDAY = date(2030, 1, 7)  # London keeps GMT: local times are UTC.


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def on_shift(team_id: int, **extra: Any) -> dict[str, Any]:
    return {"type": "on_shift", "team_id": team_id, **extra}


def role(name: Role) -> dict[str, Any]:
    return {"type": "role", "role": name.value}


def user(user_id: int) -> dict[str, Any]:
    return {"type": "user", "user_id": user_id}


def step(target: dict[str, Any], wait: int = 0, **extra: Any) -> dict[str, Any]:
    return {"wait_minutes": wait, "target": target, **extra}


async def make_policy(
    session: AsyncSession, tenant: Tenant, *steps: dict[str, Any], **fields: Any
) -> EscalationPolicy:
    policy = EscalationPolicy(
        org_id=tenant.org.id,
        name=fields.pop("name", f"Policy {len(steps)} {id(steps)}"),
        steps=list(steps),
        **fields,
    )
    session.add(policy)
    await session.commit()
    return policy


async def firing_alert(
    session: AsyncSession, tenant: Tenant, policy: EscalationPolicy | None, fired_at: datetime
) -> Alert:
    alert = Alert(
        org_id=tenant.org.id,
        rule_name="CPU high",
        fingerprint="0" * 64,
        labels={},
        severity=AlertSeverity.HIGH,
        status=AlertStatus.FIRING,
        metric="cpuUsage",
        operator=ComparisonOperator.GT,
        threshold=80.0,
        value=93.0,
        active_since=fired_at - minutes(5),
        fired_at=fired_at,
        last_true_at=fired_at,
        escalation_policy_id=policy.id if policy is not None else None,
    )
    session.add(alert)
    await session.commit()
    return alert


@dataclass
class Crew:
    """The day analyst (MORNING 07-15) and the night analyst (NIGHT 23-07), each signing in
    as a user of their own, with their shifts on MONDAY."""

    day: Analyst
    night: Analyst
    day_user: User
    night_user: User


async def crew(session: AsyncSession, runtime: Runtime, tenant: Tenant, *days: date) -> Crew:
    morning, night = tenant.shift_types
    day_user = tenant.users[Role.ANALYST]
    night_user = await make_user(session, runtime, tenant.org, Role.ANALYST)
    day_analyst = tenant.analysts[2]
    night_analyst = await make_analyst(session, tenant.team, name="Nina Night", user=night_user)
    for day in days or (MONDAY,):
        await make_assignment(session, day_analyst, morning, day)
        await make_assignment(session, night_analyst, night, day)
    await session.commit()
    return Crew(day_analyst, night_analyst, day_user, night_user)


async def feed(session: AsyncSession, user_id: int) -> list[tuple[str, int | None]]:
    """The user's in-app notifications (kind, alert id), oldest first."""
    rows = await session.execute(
        select(Notification.kind, Notification.alert_id)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id)
    )
    return [(kind, alert_id) for kind, alert_id in rows]


async def history(session: AsyncSession, alert_id: int) -> list[AlertEvent]:
    rows = await session.scalars(
        select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
    )
    return list(rows.all())


async def kinds(session: AsyncSession, alert_id: int) -> list[str]:
    return [event.kind for event in await history(session, alert_id)]


async def reload(session: AsyncSession, alert: Alert) -> Alert:
    await session.refresh(alert)
    return alert
