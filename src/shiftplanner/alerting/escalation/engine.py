"""The escalation timer. An alert that fires takes its rule's policy; each step waits its
minutes after the previous one, then notifies its target as found at that moment (the
analysts on shift now, a role, a user, a channel). State lives on the alert
(`escalation_step`, `escalation_round`, `next_escalation_at`), so it survives restarts
and every replica sees the same.

- A step with nobody to notify is skipped at once and recorded in the alert's history;
  the next step then runs at once too: there is nobody whose acknowledgement its wait
  would give time to.
- After the last step, another round if `repeat` allows. A round starts after its first
  step's wait, and at least `ROUND_GAP` after the previous round's last step, so that
  rounds never pile up in one moment (nor race through when nobody is on shift).
- Acknowledged or silenced alerts do not escalate. An acknowledgement may bring reminders
  to whoever acknowledged, and may lapse; a lapsed one restarts escalation at step 0.

Every function takes `now` (tests drive the clock) and only flushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.escalation import reminders, targets
from shiftplanner.alerting.escalation.repository import EscalatingAlertRepository, PolicyRepository
from shiftplanner.alerting.escalation.schemas import Step
from shiftplanner.alerting.messages import alert_message
from shiftplanner.db import lock_rows
from shiftplanner.errors import Conflict
from shiftplanner.events import DomainEvent, EventType, emit
from shiftplanner.logging import get_logger
from shiftplanner.models import Alert, AlertStatus, EscalationPolicy
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.notifications.messages import Recipient

log = get_logger(__name__)

ROUND_GAP = timedelta(minutes=5)
# Alerts acted on per call; the worker calls again on its next tick.
MAX_DUE_PER_RUN = 200

_steps_adapter = TypeAdapter(list[Step])


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """One step run: which (0-based) in which round, how many addresses it reached (0:
    skipped), and the history line written."""

    step: int
    round: int
    notified: int
    message: str


def escalating(alert: Alert, now: datetime) -> bool:
    """Whether the alert's escalation may go on: firing, unacknowledged, not silenced."""
    return (
        alert.status is AlertStatus.FIRING
        and alert.acknowledged_at is None
        and not _silenced(alert, now)
    )


def _silenced(alert: Alert, now: datetime) -> bool:
    return alert.silenced_until_resolved or (
        alert.silenced_until is not None and alert.silenced_until > now
    )


async def _policy(session: AsyncSession, alert: Alert) -> EscalationPolicy | None:
    if alert.escalation_policy_id is None:
        return None
    return await PolicyRepository(session).get(alert.org_id, alert.escalation_policy_id)


def _steps(policy: EscalationPolicy) -> list[Step]:
    try:
        return _steps_adapter.validate_python(policy.steps)
    except ValidationError:
        # Written past the API (by hand in the database): escalate nobody rather than fail
        # every other alert's escalation with it.
        log.warning("escalation_policy_unreadable", policy_id=policy.id)
        return []


async def start(session: AsyncSession, alert: Alert, *, now: datetime, public_url: str) -> None:
    """The alert just fired: take its rule's policy (alert.escalation_policy_id already set by
    the evaluator from the rule; None = no escalation), step 0 of round 0, and run every step
    that is due now (wait 0) at once, in this transaction."""
    if alert.id is None:
        # Its history and deliveries refer to it by id.
        await session.flush()
    alert.escalation_step = 0
    alert.escalation_round = 0
    alert.next_escalation_at = None
    policy = await _policy(session, alert)
    steps = _steps(policy) if policy is not None else []
    if policy is None or not steps:
        await session.flush()
        return
    alert.next_escalation_at = now + timedelta(minutes=steps[0].wait_minutes)
    await _run_due_steps(session, alert, policy, steps, now=now, public_url=public_url)
    await session.flush()


async def run_due(session: AsyncSession, *, now: datetime, public_url: str) -> int:
    """Every firing, unacknowledged, unsilenced alert whose next step is due: run it (skipping
    empty steps at once, recorded), schedule the next or the next round; reminders and lapsed
    acknowledgements. Returns how many alerts it acted on."""
    repository = EscalatingAlertRepository(session)
    ids = await repository.due_ids(now, limit=MAX_DUE_PER_RUN)
    if not ids:
        return 0
    # A manual escalation of the same alert waits for this transaction, and then reads
    # what it did (and the other way round).
    await lock_rows(session, Alert.id, ids)
    acted = 0
    for alert in await repository.load(ids):
        if await _act(session, alert, now=now, public_url=public_url):
            acted += 1
    await session.flush()
    return acted


async def _act(session: AsyncSession, alert: Alert, *, now: datetime, public_url: str) -> bool:
    if alert.status is not AlertStatus.FIRING or _silenced(alert, now):
        return False
    policy = await _policy(session, alert)
    acted = False
    if alert.acknowledged_at is not None:
        alert.next_escalation_at = None
        expires = alert.acknowledgement_expires_at
        if expires is not None and expires <= now:
            steps = _steps(policy) if policy is not None else []
            first_wait = timedelta(minutes=steps[0].wait_minutes) if steps else None
            reminders.lapse(session, alert, first_wait, now=now)
            acted = True
        elif alert.next_reminder_at is not None and alert.next_reminder_at <= now:
            await reminders.remind(session, alert, policy, now=now, public_url=public_url)
            return True
        else:
            return False
    else:
        # Left from an acknowledgement that someone took back.
        alert.next_reminder_at = alert.acknowledgement_expires_at = None
    if policy is None:
        alert.next_escalation_at = None
        return acted
    steps = _steps(policy)
    if alert.escalation_step >= len(steps) and alert.next_escalation_at is not None:
        # The policy lost steps since: what was next is now past its end.
        _after_last_step(session, alert, policy, steps, now=now)
    return (
        await _run_due_steps(session, alert, policy, steps, now=now, public_url=public_url) or acted
    )


async def _run_due_steps(
    session: AsyncSession,
    alert: Alert,
    policy: EscalationPolicy,
    steps: list[Step],
    *,
    now: datetime,
    public_url: str,
) -> bool:
    acted = False
    # Each pass runs one step; every step of every round at most once per call.
    for _ in range(len(steps) * (policy.repeat + 1) + 1):
        due = alert.next_escalation_at
        if due is None or due > now or not escalating(alert, now):
            break
        await _run_step(session, alert, policy, steps, now=now, public_url=public_url)
        acted = True
    return acted


async def _run_step(
    session: AsyncSession,
    alert: Alert,
    policy: EscalationPolicy,
    steps: list[Step],
    *,
    now: datetime,
    public_url: str,
    actor_user_id: int | None = None,
    manual: bool = False,
) -> StepOutcome:
    index, round_ = alert.escalation_step, alert.escalation_round
    step = steps[index]
    label = f"Step {index + 1} of {len(steps)}, round {round_ + 1} of {policy.repeat + 1}"
    if manual:
        label = f"Escalated by hand: {label[0].lower()}{label[1:]}"
    resolved = await targets.resolve(session, alert.org_id, step, now=now)
    details: dict[str, Any] = {
        "step": index,
        "round": round_,
        "target": step.target.model_dump(mode="json"),
        "manual": manual,
    }
    first = index == 0 and round_ == 0 and not manual
    if resolved.recipients:
        note = f"Escalation {label[0].lower()}{label[1:]}: {resolved.description}."
        await delivery_service.enqueue(
            session,
            org_id=alert.org_id,
            message=alert_message(
                alert,
                "alert.firing" if first else "alert.escalated",
                public_url=public_url,
                note=note,
            ),
            recipients=resolved.recipients,
            alert_id=alert.id,
            fallback_channel_id=policy.fallback_channel_id,
            now=now,
        )
        kind = "notified" if first else "escalated"
        message = f"{label}: notified {', '.join(resolved.people)} ({resolved.description})."
        # Who, not their addresses: the history is shown to analysts, who do not see
        # one another's email addresses and phone numbers.
        details["recipients"] = [_shown(r) for r in resolved.recipients]
    else:
        kind = "step_skipped"
        message = f"{label} skipped, nobody to notify: {resolved.description}."
        details["reason"] = resolved.description
    EscalatingAlertRepository(session).record(
        alert, kind, message, now=now, actor_user_id=actor_user_id, details=details
    )
    outcome = StepOutcome(index, round_, len(resolved.recipients), message)
    if manual or kind == "escalated":
        _emit_escalated(session, alert, outcome, actor_user_id=actor_user_id)
    _schedule_next(session, alert, policy, steps, now=now, skipped=not resolved.recipients)
    return outcome


def _shown(recipient: Recipient) -> dict[str, Any]:
    return {
        "channel_type": recipient.channel_type.value,
        "user_id": recipient.user_id,
        "channel_id": recipient.channel_id,
    }


def _emit_escalated(
    session: AsyncSession, alert: Alert, outcome: StepOutcome, *, actor_user_id: int | None
) -> None:
    emit(
        session,
        DomainEvent(
            type=EventType.ALERT_ESCALATED,
            org_id=alert.org_id,
            resource_type="alert",
            resource_id=alert.id,
            actor_user_id=actor_user_id,
            data={
                "alert_id": alert.id,
                "rule_id": alert.rule_id,
                "rule": alert.rule_name,
                "severity": alert.severity.value,
                "step": outcome.step,
                "round": outcome.round,
                "notified": outcome.notified,
                "message": outcome.message,
            },
        ),
    )


def _schedule_next(
    session: AsyncSession,
    alert: Alert,
    policy: EscalationPolicy,
    steps: list[Step],
    *,
    now: datetime,
    skipped: bool,
) -> None:
    following = alert.escalation_step + 1
    if following < len(steps):
        alert.escalation_step = following
        wait = timedelta(minutes=steps[following].wait_minutes)
        alert.next_escalation_at = now if skipped else now + wait
        return
    alert.escalation_step = len(steps)
    _after_last_step(session, alert, policy, steps, now=now)


def _after_last_step(
    session: AsyncSession,
    alert: Alert,
    policy: EscalationPolicy,
    steps: list[Step],
    *,
    now: datetime,
) -> None:
    if alert.escalation_round < policy.repeat and steps:
        alert.escalation_round += 1
        alert.escalation_step = 0
        alert.next_escalation_at = now + max(timedelta(minutes=steps[0].wait_minutes), ROUND_GAP)
        return
    alert.escalation_step = len(steps)
    alert.next_escalation_at = None
    rounds = alert.escalation_round + 1
    EscalatingAlertRepository(session).record(
        alert,
        "escalation_exhausted",
        f"Escalation exhausted: every step of {rounds} round(s) has run and nobody "
        "acknowledged the alert.",
        now=now,
        details={"rounds": rounds, "steps": len(steps)},
    )


def acknowledged(alert: Alert, policy: EscalationPolicy | None, *, now: datetime) -> None:
    """Stop escalating; schedule reminders / the acknowledgement's lapse per the policy."""
    alert.next_escalation_at = None
    reminder = policy.reminder_minutes if policy is not None else None
    lapse = policy.unacknowledge_after_minutes if policy is not None else None
    alert.next_reminder_at = now + timedelta(minutes=reminder) if reminder else None
    alert.acknowledgement_expires_at = now + timedelta(minutes=lapse) if lapse else None


def stopped(alert: Alert) -> None:
    """Resolved (or silenced until resolved): no more steps, reminders or lapses."""
    alert.next_escalation_at = None
    alert.next_reminder_at = None
    alert.acknowledgement_expires_at = None


async def escalate_now(
    session: AsyncSession,
    alert: Alert,
    *,
    now: datetime,
    actor_user_id: int | None,
    public_url: str,
) -> StepOutcome:
    """Run the alert's next step at once, by hand (and past any step with nobody to
    notify, each recorded). After the last step of the last round it starts another
    round. Escalation then goes on from there, unless someone acknowledged the alert.
    Conflict if the alert is not firing or has no policy."""
    if alert.status is not AlertStatus.FIRING:
        raise Conflict(f"Only a firing alert escalates; this one is {alert.status.value}.")
    policy = await _policy(session, alert)
    steps = _steps(policy) if policy is not None else []
    if policy is None or not steps:
        raise Conflict("The alert has no escalation policy to escalate by.")
    if alert.escalation_step >= len(steps):
        alert.escalation_step = 0
        alert.escalation_round += 1
    # Past empty steps until someone is reached (at most one round).
    for _ in range(len(steps)):
        outcome = await _run_step(
            session,
            alert,
            policy,
            steps,
            now=now,
            public_url=public_url,
            actor_user_id=actor_user_id,
            manual=True,
        )
        if outcome.notified or alert.next_escalation_at is None:
            break
    if alert.acknowledged_at is not None:
        alert.next_escalation_at = None
    await session.flush()
    return outcome
