"""Alerts as people handle them: list and read them with their history, acknowledge,
resolve by hand and silence. Each action locks the alert first, so it never interleaves
with an evaluation round changing the same alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.alerts import lifecycle, schemas
from shiftplanner.alerting.alerts.repository import AlertEventRepository, AlertRepository
from shiftplanner.alerting.escalation import engine as escalation_engine
from shiftplanner.db import lock_rows
from shiftplanner.errors import Conflict, NotFound
from shiftplanner.events import EventType
from shiftplanner.kit.pagination import PageParams
from shiftplanner.models import Alert, AlertEvent, AlertRule, AlertSeverity, AlertStatus
from shiftplanner.security.actor import Actor

DETAIL_HISTORY = 100


async def list_alerts(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    severity: AlertSeverity | None = None,
    status: AlertStatus | None = None,
    resolved: bool | None = None,
) -> tuple[list[Alert], str | None]:
    repository = AlertRepository(session)
    query = repository.filtered(actor.org_id, severity=severity, status=status, resolved=resolved)
    return await repository.newest_first(query, params)


async def get_alert(session: AsyncSession, actor: Actor, alert_id: int) -> Alert:
    alert = await AlertRepository(session).get(actor.org_id, alert_id)
    if alert is None:
        raise NotFound.resource("Alert", alert_id)
    return alert


async def history(
    session: AsyncSession, actor: Actor, alert_id: int, params: PageParams
) -> tuple[list[AlertEvent], str | None]:
    """The alert's history, oldest first."""
    alert = await get_alert(session, actor, alert_id)
    return await AlertEventRepository(session).history(actor.org_id, alert.id, params)


async def detail(session: AsyncSession, actor: Actor, alert_id: int) -> schemas.AlertDetail:
    alert = await get_alert(session, actor, alert_id)
    entries, _ = await AlertEventRepository(session).history(
        actor.org_id, alert.id, PageParams(limit=DETAIL_HISTORY)
    )
    return schemas.AlertDetail.model_validate(
        {
            **schemas.Alert.model_validate(alert).model_dump(),
            "history": [schemas.AlertEvent.model_validate(entry) for entry in entries],
        }
    )


async def _locked(session: AsyncSession, actor: Actor, alert_id: int) -> Alert:
    if await AlertRepository(session).get(actor.org_id, alert_id) is None:
        raise NotFound.resource("Alert", alert_id)
    await lock_rows(session, Alert.id, [alert_id])
    alert = await AlertRepository(session).locked(actor.org_id, alert_id)
    if alert is None:
        raise NotFound.resource("Alert", alert_id)
    return alert


def _refuse_unless_firing(alert: Alert, verb: str) -> None:
    if alert.status is AlertStatus.FIRING:
        return
    reason = (
        "it has not fired yet (still pending)"
        if alert.status is AlertStatus.PENDING
        else f"it is {alert.status.value} already"
    )
    raise Conflict(f"Alert {alert.id} cannot be {verb}: {reason}.")


async def acknowledge(
    session: AsyncSession, actor: Actor, alert_id: int, *, now: datetime
) -> Alert:
    """Someone has it: escalation stops (reminders and the acknowledgement's lapse as the
    policy says)."""
    alert = await _locked(session, actor, alert_id)
    _refuse_unless_firing(alert, "acknowledged")
    if alert.acknowledged_at is not None:
        raise Conflict(f"Alert {alert.id} is acknowledged already.")
    alert.acknowledged_at = now
    alert.acknowledged_by_user_id = actor.user_id
    policy = await AlertRepository(session).policy(actor.org_id, alert.escalation_policy_id)
    escalation_engine.acknowledged(alert, policy, now=now)
    await session.flush()
    lifecycle.record(
        session,
        alert,
        "acknowledged",
        at=now,
        actor_user_id=actor.user_id,
        message="Acknowledged",
        details={"api_key_id": actor.api_key_id} if actor.api_key_id else {},
    )
    lifecycle.emit(session, alert, EventType.ALERT_ACKNOWLEDGED, actor.user_id)
    return alert


def _still_held(alert: Alert, rule: AlertRule | None) -> bool:
    """Whether the last evaluation saw the condition hold (not merely kept firing)."""
    return (
        rule is not None
        and rule.enabled
        and rule.last_evaluated_at is not None
        and alert.last_true_at is not None
        and alert.last_true_at >= rule.last_evaluated_at
    )


async def resolve(
    session: AsyncSession, actor: Actor, alert_id: int, *, now: datetime, public_url: str
) -> schemas.ResolvedAlert:
    """Resolve by hand. If the condition held at the last evaluation, the next one
    checks it again and reopens the alert if it still holds."""
    alert = await _locked(session, actor, alert_id)
    _refuse_unless_firing(alert, "resolved")
    rule = await session.get(AlertRule, alert.rule_id) if alert.rule_id is not None else None
    held = _still_held(alert, rule)
    await lifecycle.end(
        session,
        alert,
        rule,
        now=now,
        resolution="manual",
        public_url=public_url,
        actor_user_id=actor.user_id,
        reopen_check=held,
    )
    message = (
        "Resolved. The condition still held at the last evaluation: if it still holds at "
        "the next one, the alert reopens (and says so)."
        if held
        else "Resolved."
    )
    return schemas.ResolvedAlert.model_validate(
        {**schemas.Alert.model_validate(alert).model_dump(), "message": message}
    )


async def silence(
    session: AsyncSession,
    actor: Actor,
    alert_id: int,
    data: schemas.SilenceInput,
    *,
    now: datetime,
) -> Alert:
    """No notices for a while, or until the alert resolves (which also stops its
    escalation). The alert still changes state."""
    alert = await _locked(session, actor, alert_id)
    if alert.status not in (AlertStatus.PENDING, AlertStatus.FIRING):
        raise Conflict(f"Alert {alert.id} cannot be silenced: it is {alert.status.value}.")
    alert.silenced_by_user_id = actor.user_id
    if data.until_resolved:
        alert.silenced_until_resolved = True
        alert.silenced_until = None
        escalation_engine.stopped(alert)
        message = "Silenced until resolved"
    else:
        assert data.minutes is not None
        alert.silenced_until = now + timedelta(minutes=data.minutes)
        alert.silenced_until_resolved = False
        message = f"Silenced for {data.minutes} minutes"
    await session.flush()
    lifecycle.record(
        session,
        alert,
        "silenced",
        at=now,
        actor_user_id=actor.user_id,
        message=message,
        details={
            "until": alert.silenced_until.isoformat() if alert.silenced_until else None,
            "until_resolved": alert.silenced_until_resolved,
        },
    )
    lifecycle.emit(session, alert, EventType.ALERT_SILENCED, actor.user_id)
    return alert
