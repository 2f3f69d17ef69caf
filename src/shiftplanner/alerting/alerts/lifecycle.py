"""What happens when an alert changes state, whoever changes it (the evaluator, a person,
a rule being disabled): the history row, the domain event, the notices to the rule's
channels and to whoever heard it fire, and the escalation engine told.

Notices go once: each carries a key per alert and episode (a reopened alert starts a new
episode), so a recipient who has a notice of that kind already gets none, whatever
retries or restarts happen in between. A silenced alert changes state but sends none."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.alerts import schemas
from shiftplanner.alerting.alerts.repository import AlertEventRepository, AlertRepository
from shiftplanner.alerting.escalation import engine as escalation_engine
from shiftplanner.alerting.messages import alert_message, condition_text
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event
from shiftplanner.models import Alert, AlertEvent, AlertRule, AlertStatus
from shiftplanner.notifications.channels import service as channel_service
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.notifications.messages import Recipient

# Who heard an alert fire, in any of these notices, hears it resolve.
HEARD_KINDS = ("alert.firing", "alert.escalated", "alert.reopened", "alert.reminder")
REOPENED_NOTE = "It was resolved by hand, but the condition still holds: the alert is open again."


def record(
    session: AsyncSession,
    alert: Alert,
    kind: str,
    *,
    at: datetime,
    actor_user_id: int | None = None,
    message: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """One history entry of the alert."""
    session.add(
        AlertEvent(
            org_id=alert.org_id,
            alert_id=alert.id,
            at=at,
            kind=kind,
            actor_user_id=actor_user_id,
            message=message[:1000],
            details=details or {},
        )
    )


def emit(
    session: AsyncSession, alert: Alert, event_type: EventType, actor_user_id: int | None
) -> None:
    emit_resource_event(session, event_type, alert, schemas.Alert, actor_user_id=actor_user_id)


def is_silenced(alert: Alert, now: datetime) -> bool:
    return alert.silenced_until_resolved or (
        alert.silenced_until is not None and alert.silenced_until > now
    )


async def _episode_key(session: AsyncSession, alert: Alert, kind: str) -> str:
    reopened = await AlertEventRepository(session).count_kind(alert.id, "reopened")
    return f"alert:{alert.id}:{kind}" + (f":{reopened}" if reopened else "")


async def _rule_recipients(session: AsyncSession, rule: AlertRule | None) -> list[Recipient]:
    if rule is None or not rule.channel_ids:
        return []
    return await channel_service.recipients_of(session, rule.org_id, rule.channel_ids)


async def _heard(session: AsyncSession, alert: Alert) -> list[Recipient]:
    recipients: list[Recipient] = []
    for kind in HEARD_KINDS:
        recipients += await delivery_service.alert_recipients(session, alert.id, kind)
    return recipients


async def _notify(
    session: AsyncSession,
    alert: Alert,
    kind: str,
    recipients: Sequence[Recipient],
    *,
    now: datetime,
    public_url: str,
    once_key: str,
    note: str = "",
) -> None:
    if not recipients:
        return
    policy = await AlertRepository(session).policy(alert.org_id, alert.escalation_policy_id)
    deliveries = await delivery_service.enqueue(
        session,
        org_id=alert.org_id,
        message=alert_message(alert, kind, public_url=public_url, note=note),
        recipients=recipients,
        alert_id=alert.id,
        fallback_channel_id=policy.fallback_channel_id if policy is not None else None,
        once_key=once_key,
        now=now,
    )
    if deliveries:
        record(
            session,
            alert,
            "notified",
            at=now,
            message=f"{kind} sent to {len(deliveries)} recipient(s)",
            details={"kind": kind, "deliveries": [d.id for d in deliveries]},
        )


async def announce_firing(
    session: AsyncSession, alert: Alert, rule: AlertRule | None, *, now: datetime, public_url: str
) -> None:
    """The firing notice to the rule's channels (once), then escalation from its start."""
    await _notify(
        session,
        alert,
        "alert.firing",
        await _rule_recipients(session, rule),
        now=now,
        public_url=public_url,
        once_key=await _episode_key(session, alert, "firing"),
    )
    await escalation_engine.start(session, alert, now=now, public_url=public_url)


async def fire(
    session: AsyncSession, alert: Alert, rule: AlertRule, *, now: datetime, public_url: str
) -> None:
    """The alert's condition has held for the rule's duration."""
    alert.status = AlertStatus.FIRING
    alert.fired_at = now
    alert.escalation_policy_id = rule.escalation_policy_id
    await session.flush()
    silenced = is_silenced(alert, now)
    record(
        session,
        alert,
        "firing",
        at=now,
        message=f"Fired: {condition_text(alert)}" + (" (silenced: no notices)" if silenced else ""),
        details={"value": alert.value, "silenced": silenced},
    )
    emit(session, alert, EventType.ALERT_TRIGGERED, None)
    if not silenced:
        await announce_firing(session, alert, rule, now=now, public_url=public_url)


async def reopen(
    session: AsyncSession, alert: Alert, rule: AlertRule, *, now: datetime, public_url: str
) -> None:
    """A manual resolve while the condition held, and it still holds: open again, say so
    to the rule's channels and to whoever heard it fire, and escalate anew."""
    alert.status = AlertStatus.FIRING
    alert.fired_at = now
    alert.last_true_at = now
    alert.severity = rule.severity
    alert.escalation_policy_id = rule.escalation_policy_id
    alert.reopen_check = False
    for name in (
        "resolved_at",
        "resolved_by_user_id",
        "resolution",
        "acknowledged_at",
        "acknowledged_by_user_id",
        "acknowledgement_expires_at",
        "next_escalation_at",
        "next_reminder_at",
        "silenced_until",
        "silenced_by_user_id",
    ):
        setattr(alert, name, None)
    alert.silenced_until_resolved = False
    alert.escalation_step = 0
    alert.escalation_round = 0
    await session.flush()
    record(
        session,
        alert,
        "reopened",
        at=now,
        message=f"Reopened: {condition_text(alert)} still holds after a manual resolve",
        details={"value": alert.value},
    )
    emit(session, alert, EventType.ALERT_TRIGGERED, None)
    recipients = [*await _rule_recipients(session, rule), *await _heard(session, alert)]
    await _notify(
        session,
        alert,
        "alert.reopened",
        recipients,
        now=now,
        public_url=public_url,
        once_key=await _episode_key(session, alert, "reopened"),
        note=REOPENED_NOTE,
    )
    await escalation_engine.start(session, alert, now=now, public_url=public_url)


async def end(
    session: AsyncSession,
    alert: Alert,
    rule: AlertRule | None,
    *,
    now: datetime,
    resolution: str,
    public_url: str,
    actor_user_id: int | None = None,
    reopen_check: bool = False,
) -> None:
    """A pending alert becomes inactive (it never fired: nothing to tell); a firing one
    is resolved, with its event, the resolved notice (once per recipient, if the rule
    says so and it is not silenced) and its escalation stopped."""
    if alert.status is AlertStatus.PENDING:
        alert.status = AlertStatus.INACTIVE
        alert.resolution = resolution
        await session.flush()
        record(
            session,
            alert,
            "inactive",
            at=now,
            actor_user_id=actor_user_id,
            message=f"Cleared before firing ({resolution})",
            details={"resolution": resolution},
        )
        return
    silenced = is_silenced(alert, now)
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = now
    alert.resolution = resolution
    alert.resolved_by_user_id = actor_user_id
    alert.reopen_check = reopen_check
    escalation_engine.stopped(alert)
    await session.flush()
    record(
        session,
        alert,
        "resolved",
        at=now,
        actor_user_id=actor_user_id,
        message=f"Resolved ({resolution})"
        + (": the condition still held, so the next evaluation checks it" if reopen_check else ""),
        details={"resolution": resolution, "reopen_check": reopen_check, "value": alert.value},
    )
    emit(session, alert, EventType.ALERT_RESOLVED, actor_user_id)
    if silenced or (rule is not None and not rule.notify_resolved):
        return
    recipients = [*await _heard(session, alert), *await _rule_recipients(session, rule)]
    await _notify(
        session,
        alert,
        "alert.resolved",
        recipients,
        now=now,
        public_url=public_url,
        once_key=await _episode_key(session, alert, "resolved"),
    )


async def lapse_silence(
    session: AsyncSession, alert: Alert, rule: AlertRule, *, now: datetime, public_url: str
) -> None:
    """A timed silence ran out while the alert is open: note it, and if the alert fired
    during the silence, send what was held back (the firing notice goes once, so who
    heard it before hears nothing) and start escalating unless someone acknowledged it."""
    alert.silenced_until = None
    alert.silenced_by_user_id = None
    record(session, alert, "unsilenced", at=now, message="The silence ran out")
    if alert.status is not AlertStatus.FIRING:
        return
    await _notify(
        session,
        alert,
        "alert.firing",
        await _rule_recipients(session, rule),
        now=now,
        public_url=public_url,
        once_key=await _episode_key(session, alert, "firing"),
    )
    never_escalated = (
        alert.next_escalation_at is None
        and alert.escalation_step == 0
        and alert.escalation_round == 0
    )
    if alert.acknowledged_at is None and never_escalated:
        await escalation_engine.start(session, alert, now=now, public_url=public_url)
