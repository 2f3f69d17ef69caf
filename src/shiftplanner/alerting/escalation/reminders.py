"""While an acknowledged alert still fires: reminders to whoever acknowledged it, and the
lapse of the acknowledgement (after which escalation starts again). Both are policy
options, timed by `next_reminder_at` and `acknowledgement_expires_at` on the alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.alerting.escalation.repository import EscalatingAlertRepository
from shiftplanner.alerting.messages import alert_message
from shiftplanner.models import Alert, ChannelType, EscalationPolicy
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.notifications.messages import Recipient
from shiftplanner.security.actor import Actor
from shiftplanner.users import service as user_service


def lapse(
    session: AsyncSession, alert: Alert, first_wait: timedelta | None, *, now: datetime
) -> None:
    """The acknowledgement ends; escalation restarts at step 0 of round 0, due after
    `first_wait` (None: the alert has no policy steps left, so nothing is scheduled)."""
    by = alert.acknowledged_by_user_id
    alert.acknowledged_at = None
    alert.acknowledged_by_user_id = None
    alert.acknowledgement_expires_at = None
    alert.next_reminder_at = None
    alert.escalation_step = 0
    alert.escalation_round = 0
    alert.next_escalation_at = now + first_wait if first_wait is not None else None
    EscalatingAlertRepository(session).record(
        alert,
        "unacknowledged",
        "The acknowledgement lapsed while the alert still fired"
        + ("; escalation starts again from the first step." if first_wait is not None else "."),
        now=now,
        details={"acknowledged_by_user_id": by},
    )


async def remind(
    session: AsyncSession,
    alert: Alert,
    policy: EscalationPolicy | None,
    *,
    now: datetime,
    public_url: str,
) -> None:
    """Remind whoever acknowledged the alert (in-app and by email), and time the next."""
    every = policy.reminder_minutes if policy is not None else None
    alert.next_reminder_at = now + timedelta(minutes=every) if every else None
    user_id = alert.acknowledged_by_user_id
    user = (
        await user_service.find_user(session, Actor.system(alert.org_id), user_id)
        if user_id is not None
        else None
    )
    if user is None or not user.is_active:
        # Acknowledged by an API key, or the account has gone: nobody to remind.
        alert.next_reminder_at = None
        return
    since = alert.acknowledged_at.isoformat(timespec="seconds") if alert.acknowledged_at else ""
    await delivery_service.enqueue(
        session,
        org_id=alert.org_id,
        message=alert_message(
            alert,
            "alert.reminder",
            public_url=public_url,
            note=f"You acknowledged it at {since}; it still fires.",
        ),
        recipients=[
            Recipient(ChannelType.IN_APP, str(user.id), user_id=user.id),
            Recipient(ChannelType.EMAIL, user.email, user_id=user.id),
        ],
        alert_id=alert.id,
        fallback_channel_id=policy.fallback_channel_id if policy is not None else None,
        now=now,
    )
    EscalatingAlertRepository(session).record(
        alert,
        "reminded",
        f"Reminded {user.full_name or user.email}, who acknowledged it: still firing.",
        now=now,
        details={"user_id": user.id},
    )
