"""The delivery queue: every notification becomes a stored delivery, queued in the
transaction that decided to notify. In-app ones are written to the feed at once; the
others are sent by the delivery worker after commit, retried with backoff, and handed
to a fallback channel when they give up."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.db import wake_after_commit
from shiftplanner.events.dispatcher import retry_delay
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.models import ChannelType, DeliveryStatus, Notification, NotificationDelivery
from shiftplanner.monitoring.metrics import NOTIFICATIONS_FAILED, NOTIFICATIONS_SENT
from shiftplanner.notifications.channels import service as channel_service
from shiftplanner.notifications.deliveries.repository import DeliveryRepository
from shiftplanner.notifications.messages import Message, Recipient
from shiftplanner.notifications.senders import Outcome
from shiftplanner.security.actor import Actor
from shiftplanner.users import service as user_service

log = get_logger(__name__)

# The name the delivery worker's wake-up goes by after a commit (see db.wake_after_commit).
WORKER = "notification-deliveries"
SUBJECT_LIMIT = 300
FEED_BODY_LIMIT = 2000
DEDUPE_KEY_LIMIT = 200


def dedupe_key(once_key: str, recipient: Recipient) -> str:
    """`once_key` (readable, cut) and a hash of it with the recipient (unique), to fit."""
    digest = hashlib.sha256(f"{once_key}\n{recipient.key}".encode()).hexdigest()[:40]
    return f"{once_key[: DEDUPE_KEY_LIMIT - len(digest) - 1]}:{digest}"


def message_of(delivery: NotificationDelivery) -> Message:
    payload = delivery.payload
    return Message(
        kind=delivery.kind,
        subject=delivery.subject,
        text=delivery.body,
        link=payload.get("link"),
        severity=payload.get("severity"),
        data=payload.get("data") or {},
    )


def _payload(message: Message) -> dict[str, Any]:
    return {"link": message.link, "severity": message.severity, "data": dict(message.data)}


async def enqueue(
    session: AsyncSession,
    *,
    org_id: int,
    message: Message,
    recipients: Sequence[Recipient],
    alert_id: int | None = None,
    fallback_channel_id: int | None = None,
    once_key: str | None = None,
    now: datetime | None = None,
) -> list[NotificationDelivery]:
    """Queue `message` to each recipient (duplicates by Recipient.key dropped). In-app
    recipients get their Notification row at once (delivery recorded as sent); the others
    are pending and due now, and the delivery worker is woken after the commit. With
    `once_key` ("alert:12:resolved"), a recipient that already has a delivery with that key
    (dedupe_key = once_key + recipient key, hashed to fit) gets none: a notice goes once.
    In-app recipients that are not active users of the organization are skipped."""
    return await _queue(
        session,
        org_id=org_id,
        message=message,
        recipients=recipients,
        alert_id=alert_id,
        fallback_channel_id=fallback_channel_id,
        once_key=once_key,
        now=now or utcnow(),
    )


async def _queue(
    session: AsyncSession,
    *,
    org_id: int,
    message: Message,
    recipients: Sequence[Recipient],
    alert_id: int | None,
    fallback_channel_id: int | None,
    once_key: str | None,
    now: datetime,
    fallback_for_id: int | None = None,
) -> list[NotificationDelivery]:
    unique = list({recipient.key: recipient for recipient in recipients}.values())
    repository = DeliveryRepository(session)
    keys = {r.key: dedupe_key(once_key, r) for r in unique} if once_key else {}
    if keys:
        sent_before = await repository.existing_keys(org_id, keys.values())
        unique = [r for r in unique if keys[r.key] not in sent_before]
    feed_users = await _active_users(session, org_id, unique)
    deliveries: list[NotificationDelivery] = []
    for recipient in unique:
        in_app = recipient.channel_type is ChannelType.IN_APP
        user_id = feed_users.get(recipient.address) if in_app else recipient.user_id
        if in_app and user_id is None:
            continue
        delivery = NotificationDelivery(
            org_id=org_id,
            alert_id=alert_id,
            channel_id=recipient.channel_id,
            channel_type=recipient.channel_type,
            recipient=recipient.address,
            user_id=user_id,
            kind=message.kind,
            subject=message.subject[:SUBJECT_LIMIT],
            body=message.text,
            payload=_payload(message),
            fallback_channel_id=fallback_channel_id,
            fallback_for_id=fallback_for_id,
            dedupe_key=keys.get(recipient.key),
        )
        if in_app and user_id is not None:
            session.add(_feed_entry(org_id, user_id, message, alert_id, now))
            delivery.status, delivery.attempts, delivery.sent_at = DeliveryStatus.SENT, 1, now
            NOTIFICATIONS_SENT.labels(channel=ChannelType.IN_APP.value).inc()
        else:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now
        deliveries.append(delivery)
    session.add_all(deliveries)
    await session.flush()
    if any(d.status is DeliveryStatus.PENDING for d in deliveries):
        wake_after_commit(session, WORKER)
    return deliveries


async def _active_users(
    session: AsyncSession, org_id: int, recipients: Sequence[Recipient]
) -> dict[str, int]:
    """The in-app addresses (user ids as text) that name active users of the organization."""
    ids = {
        int(r.address)
        for r in recipients
        if r.channel_type is ChannelType.IN_APP and r.address.isdecimal()
    }
    users = await user_service.get_many(session, Actor.system(org_id), ids)
    return {str(user.id): user.id for user in users.values() if user.is_active}


def _feed_entry(
    org_id: int, user_id: int, message: Message, alert_id: int | None, now: datetime
) -> Notification:
    return Notification(
        org_id=org_id,
        user_id=user_id,
        kind=message.kind,
        title=message.subject[:SUBJECT_LIMIT],
        body=message.text[:FEED_BODY_LIMIT],
        link=message.link,
        severity=message.severity,
        alert_id=alert_id,
        data=dict(message.data),
        created_at=now,
    )


async def alert_recipients(
    session: AsyncSession, alert_id: int, kind: str = "alert.firing"
) -> list[Recipient]:
    """Who was sent `kind` about the alert (distinct), e.g. to send the resolved notice to
    exactly those who heard it fire."""
    recipients: dict[str, Recipient] = {}
    for delivery in await DeliveryRepository(session).of_alert(alert_id, kind):
        recipient = Recipient(
            channel_type=delivery.channel_type,
            address=delivery.recipient,
            user_id=delivery.user_id,
            channel_id=delivery.channel_id,
        )
        recipients.setdefault(recipient.key, recipient)
    return list(recipients.values())


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    alert_id: int | None = None,
    status: DeliveryStatus | None = None,
) -> tuple[list[NotificationDelivery], str | None]:
    """The organization's deliveries, newest first."""
    return await DeliveryRepository(session).page_filtered(
        actor.org_id, params, alert_id=alert_id, status=status
    )


async def record_outcome(
    session: AsyncSession,
    delivery_id: int,
    outcome: Outcome,
    *,
    now: datetime,
    max_attempts: int,
    retry_base_seconds: float,
) -> NotificationDelivery | None:
    """Record one attempt: sent; or retried after a backoff; or, after the last attempt,
    failed, with the same message queued to the fallback channel's recipients. None if
    the delivery was no longer pending (another sender finished it)."""
    delivery = await session.get(NotificationDelivery, delivery_id, populate_existing=True)
    if delivery is None or delivery.status is not DeliveryStatus.PENDING:
        return None
    channel = delivery.channel_type.value
    delivery.attempts += 1
    delivery.claimed_until = None
    delivery.response_status = outcome.status
    if outcome.ok:
        delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, None
        delivery.next_attempt_at = None
        NOTIFICATIONS_SENT.labels(channel=channel).inc()
        await session.flush()
        return delivery
    delivery.last_error = outcome.error
    final = delivery.attempts >= max_attempts
    NOTIFICATIONS_FAILED.labels(channel=channel, final=str(final).lower()).inc()
    if not final:
        delivery.next_attempt_at = now + retry_delay(
            delivery.attempts, base_seconds=retry_base_seconds
        )
        await session.flush()
        return delivery
    delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    log.warning(
        "notification_gave_up",
        delivery_id=delivery.id,
        channel=channel,
        attempts=delivery.attempts,
        error=outcome.error,
    )
    await session.flush()
    await _fall_back(session, delivery, now)
    return delivery


async def cancel(session: AsyncSession, delivery_id: int, reason: str) -> None:
    """Give up a delivery without trying (its channel was disabled)."""
    delivery = await session.get(NotificationDelivery, delivery_id, populate_existing=True)
    if delivery is not None and delivery.status is DeliveryStatus.PENDING:
        delivery.status, delivery.claimed_until, delivery.last_error = (
            DeliveryStatus.CANCELLED,
            None,
            reason,
        )
        await session.flush()


async def _fall_back(session: AsyncSession, failed: NotificationDelivery, now: datetime) -> None:
    fallback_id = failed.fallback_channel_id
    if fallback_id is None or fallback_id == failed.channel_id:
        return
    channel = await channel_service.find_channel(session, failed.org_id, fallback_id)
    if channel is None or not channel.enabled:
        return
    recipients = await channel_service.recipients_of(session, failed.org_id, [channel.id])
    queued = await _queue(
        session,
        org_id=failed.org_id,
        message=message_of(failed),
        recipients=recipients,
        alert_id=failed.alert_id,
        # One fallback, not a chain: the fallback's own failure ends there.
        fallback_channel_id=None,
        # Recording the failure twice must not queue the fallback twice.
        once_key=f"fallback:{failed.id}",
        now=now,
        fallback_for_id=failed.id,
    )
    log.info(
        "notification_fell_back", delivery_id=failed.id, channel_id=channel.id, queued=len(queued)
    )


def lease(timeout_seconds: float) -> timedelta:
    """How long a sender holds a delivery: well beyond one attempt's timeout."""
    return timedelta(seconds=max(60.0, 3 * timeout_seconds))
