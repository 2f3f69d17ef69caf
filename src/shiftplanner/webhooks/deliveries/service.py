"""The webhook delivery queue: one delivery per message and endpoint, queued in the
transaction of the outbox consumer (so a delivery exists exactly when its event was
handed over), sent by the sender after commit, and every attempt recorded.

Retries follow `SHIFTPLANNER_WEBHOOK_RETRY_SCHEDULE_SECONDS` (at once, 5 s, 5 min, 30 min,
2 h, 5 h, 10 h, 10 h by default) with jitter; a `Retry-After` on 429 or 503 replaces the
next wait within bounds; 410 Gone disables the endpoint, and so does failing every
attempt for `SHIFTPLANNER_WEBHOOK_DISABLE_AFTER_DAYS`."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from shiftplanner.config import Settings
from shiftplanner.db import delete_in_batches, wake_after_commit
from shiftplanner.errors import Conflict, InvalidInput, NotFound
from shiftplanner.events import EventType
from shiftplanner.events.resources import emit_resource_event
from shiftplanner.kit.pagination import PageParams
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.models import (
    AttemptTrigger,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookMessage,
)
from shiftplanner.monitoring.metrics import WEBHOOK_DELIVERIES, WEBHOOK_DELIVERY_DURATION
from shiftplanner.security.actor import Actor
from shiftplanner.webhooks.deliveries import schemas
from shiftplanner.webhooks.deliveries.repository import DeliveryRepository
from shiftplanner.webhooks.endpoints.repository import EndpointRepository
from shiftplanner.webhooks.endpoints.schemas import Endpoint

log = get_logger(__name__)

# The name the sender's wake-up goes by after a commit (see db.wake_after_commit).
SENDER = "webhook-sender"
GONE = 410
# Answers whose Retry-After says when to come back.
BUSY = frozenset({429, 503})
# Retry-After below this is taken as this: no receiver is helped by a retry storm.
MIN_RETRY_AFTER_SECONDS = 1.0
JITTER = 0.1


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When attempts are made and when an endpoint is given up on."""

    schedule: tuple[float, ...]
    retry_after_max_seconds: float
    disable_after: timedelta

    @classmethod
    def of(cls, settings: Settings) -> RetryPolicy:
        return cls(
            schedule=tuple(settings.webhook_retry_schedule_seconds),
            retry_after_max_seconds=settings.webhook_retry_after_max_seconds,
            disable_after=timedelta(days=settings.webhook_disable_after_days),
        )

    def next_wait(self, attempts: int, retry_after: float | None) -> timedelta | None:
        """The wait before the next attempt after `attempts` were made, or None when the
        schedule is used up. A receiver's Retry-After stands in for the schedule's wait."""
        if attempts >= len(self.schedule):
            return None
        if retry_after is not None:
            seconds = min(max(retry_after, MIN_RETRY_AFTER_SECONDS), self.retry_after_max_seconds)
            return timedelta(seconds=seconds)
        seconds = self.schedule[attempts]
        # Jitter spreads the retries of many deliveries that failed together.
        return timedelta(seconds=seconds * (1 + JITTER * (2 * random.random() - 1)))  # noqa: S311


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """How one POST went."""

    started_at: datetime
    duration_ms: float
    succeeded: bool
    status_code: int | None = None
    response_excerpt: str | None = None
    error: str | None = None
    retry_after_seconds: float | None = None


async def queue(
    session: AsyncSession,
    *,
    org_id: int,
    event_type: str,
    body: str,
    endpoints: Sequence[WebhookEndpoint],
    event_id: int | None,
    now: datetime | None = None,
    trigger: AttemptTrigger = AttemptTrigger.SCHEDULED,
) -> list[WebhookDelivery]:
    """One message with `body`, delivered to each endpoint, due now; the sender is woken
    after the commit."""
    now = now or utcnow()
    message = WebhookMessage(
        org_id=org_id, event_type=event_type, event_id=event_id, body=body, created_at=now
    )
    session.add(message)
    await session.flush()
    deliveries = [
        WebhookDelivery(
            org_id=org_id,
            endpoint_id=endpoint.id,
            message_id=message.id,
            event_type=event_type,
            event_id=event_id,
            next_attempt_at=now,
            next_trigger=trigger,
            created_at=now,
        )
        for endpoint in endpoints
    ]
    session.add_all(deliveries)
    await session.flush()
    if deliveries:
        wake_after_commit(session, SENDER)
    return deliveries


async def record_attempt(
    session: AsyncSession,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    result: AttemptResult,
    *,
    policy: RetryPolicy,
    now: datetime,
) -> None:
    """Keep the attempt and move the delivery on: succeeded; due again after the next
    wait; or failed for good. A 410, or an endpoint failing every attempt for too long,
    disables the endpoint."""
    trigger = delivery.next_trigger
    delivery.attempts += 1
    session.add(
        WebhookAttempt(
            org_id=delivery.org_id,
            delivery_id=delivery.id,
            attempt=delivery.attempts,
            trigger=trigger,
            started_at=result.started_at,
            duration_ms=result.duration_ms,
            succeeded=result.succeeded,
            status_code=result.status_code,
            response_excerpt=result.response_excerpt,
            error=result.error,
        )
    )
    WEBHOOK_DELIVERY_DURATION.observe(result.duration_ms / 1000)
    delivery.first_attempt_at = delivery.first_attempt_at or result.started_at
    delivery.last_status_code = result.status_code
    delivery.next_trigger = AttemptTrigger.SCHEDULED
    if result.succeeded:
        delivery.status, delivery.finished_at = WebhookDeliveryStatus.SUCCEEDED, now
        delivery.next_attempt_at, delivery.last_error = None, None
        WEBHOOK_DELIVERIES.labels(outcome="succeeded").inc()
        if endpoint.failing_since is not None and trigger is not AttemptTrigger.TEST:
            await _set(session, endpoint, failing_since=None)
        return
    delivery.last_error = result.error
    if trigger is AttemptTrigger.TEST:
        # A test is one attempt, and says nothing of the endpoint's health.
        _finish(delivery, now)
        return
    failing_since = endpoint.failing_since or now
    if endpoint.failing_since is None:
        await _set(session, endpoint, failing_since=now)
    if result.status_code == GONE:
        _finish(delivery, now)
        await disable(session, endpoint, "The endpoint answered 410 Gone.", now=now)
        return
    if now - failing_since >= policy.disable_after:
        _finish(delivery, now)
        days = policy.disable_after / timedelta(days=1)
        await disable(session, endpoint, f"Every attempt failed for {days:g} days.", now=now)
        return
    busy = result.status_code in BUSY
    wait = policy.next_wait(delivery.attempts, result.retry_after_seconds if busy else None)
    if wait is None:
        _finish(delivery, now)
        return
    delivery.next_attempt_at = now + wait
    WEBHOOK_DELIVERIES.labels(outcome="failed").inc()


def _finish(delivery: WebhookDelivery, now: datetime) -> None:
    delivery.status, delivery.finished_at = WebhookDeliveryStatus.FAILED, now
    delivery.next_attempt_at = None
    WEBHOOK_DELIVERIES.labels(outcome="gave_up").inc()


async def disable(
    session: AsyncSession, endpoint: WebhookEndpoint, reason: str, *, now: datetime
) -> None:
    """The service disables an endpoint: what it had pending fails (a replay sends it
    later) and `endpoint.disabled` is emitted, which reaches the organization's admins."""
    await _set(session, endpoint, enabled=False, disabled_reason=reason, disabled_at=now)
    failed = await DeliveryRepository(session).fail_pending(endpoint.id, reason, now)
    log.warning("webhook_endpoint_disabled", endpoint_id=endpoint.id, reason=reason, failed=failed)
    emit_resource_event(
        session, EventType.ENDPOINT_DISABLED, endpoint, Endpoint, actor_user_id=None
    )


async def _set(session: AsyncSession, endpoint: WebhookEndpoint, **values: object) -> None:
    """The sender's bookkeeping on an endpoint: written without the version check and
    bump of a user's change (it must not fail because the user edited the endpoint
    meanwhile, nor make that user's next edit stale), and mirrored on the loaded object
    without making it dirty."""
    await DeliveryRepository(session).set_endpoint(endpoint.id, **values)
    for name, value in values.items():
        set_committed_value(endpoint, name, value)


async def fail_pending(session: AsyncSession, endpoint: WebhookEndpoint, reason: str) -> int:
    """Fail what the endpoint still had pending (it was disabled)."""
    return await DeliveryRepository(session).fail_pending(endpoint.id, reason, utcnow())


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    endpoint: WebhookEndpoint,
    params: PageParams,
    *,
    status: WebhookDeliveryStatus | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[WebhookDelivery], str | None]:
    """The endpoint's deliveries, newest first."""
    return await DeliveryRepository(session).page_filtered(
        actor.org_id,
        endpoint.id,
        params,
        status=status,
        event_type=event_type,
        since=since,
        until=until,
    )


async def get_delivery(
    session: AsyncSession, actor: Actor, endpoint: WebhookEndpoint, delivery_id: int
) -> tuple[WebhookDelivery, WebhookMessage, list[WebhookAttempt]]:
    """A delivery of the endpoint with its message and every attempt."""
    delivery = await DeliveryRepository(session).get(actor.org_id, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound.resource("Webhook delivery", delivery_id)
    message = await session.get(WebhookMessage, delivery.message_id)
    assert message is not None  # deleted only with its deliveries
    attempts = (await DeliveryRepository(session).attempts_of([delivery.id])).get(delivery.id, [])
    return delivery, message, attempts


async def retry(
    session: AsyncSession, actor: Actor, endpoint: WebhookEndpoint, delivery_id: int
) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it (a succeeded one too: the
    receiver drops a duplicate by its `webhook-id`). It goes on with the retry schedule
    where it stopped."""
    delivery, _, _ = await get_delivery(session, actor, endpoint, delivery_id)
    if not endpoint.enabled:
        raise Conflict("The webhook is disabled: enable it before retrying its deliveries.")
    delivery.status = WebhookDeliveryStatus.PENDING
    delivery.next_attempt_at, delivery.finished_at = utcnow(), None
    delivery.next_trigger = AttemptTrigger.MANUAL
    await session.flush()
    wake_after_commit(session, SENDER)
    return delivery


async def replay(
    session: AsyncSession,
    actor: Actor,
    endpoint: WebhookEndpoint,
    *,
    since: datetime,
    until: datetime | None,
    include_succeeded: bool,
) -> int:
    """Send the endpoint's failed deliveries made in [since, until) again (with
    `include_succeeded`, every one of the window). Returns how many are due again."""
    if not endpoint.enabled:
        raise Conflict("The webhook is disabled: enable it before replaying its deliveries.")
    now = utcnow()
    until = until or now
    if until <= since:
        raise InvalidInput(
            "The window is empty: `until` must be after `since`.",
            errors=[{"parameter": "until", "in": "query", "detail": "must be after since"}],
        )
    statuses = [WebhookDeliveryStatus.FAILED]
    if include_succeeded:
        statuses.append(WebhookDeliveryStatus.SUCCEEDED)
    queued = await DeliveryRepository(session).reopen(
        actor.org_id,
        endpoint.id,
        since=since,
        until=until,
        statuses=statuses,
        trigger=AttemptTrigger.REPLAY,
        now=now,
    )
    if queued:
        wake_after_commit(session, SENDER)
    return queued


async def stats(session: AsyncSession, actor: Actor, *, since: datetime) -> schemas.Stats:
    """Per endpoint of the organization: its deliveries made since `since` by status,
    the attempts' median and 95th percentile time, and its last success and failure."""
    repository = DeliveryRepository(session)
    endpoints = await EndpointRepository(session).all_of(actor.org_id)
    counts = await repository.counts(actor.org_id, since)
    latencies = await repository.latencies(actor.org_id, since)
    last = await repository.last_outcomes(actor.org_id)
    rows = []
    for endpoint in endpoints:
        by_status = counts.get(endpoint.id, {})
        succeeded = by_status.get(WebhookDeliveryStatus.SUCCEEDED, 0)
        failed = by_status.get(WebhookDeliveryStatus.FAILED, 0)
        attempts, p50, p95 = latencies.get(endpoint.id, (0, None, None))
        rows.append(
            schemas.EndpointStats(
                endpoint_id=endpoint.id,
                name=endpoint.name,
                enabled=endpoint.enabled,
                sent=sum(by_status.values()),
                succeeded=succeeded,
                failed=failed,
                pending=by_status.get(WebhookDeliveryStatus.PENDING, 0),
                attempts=attempts,
                success_rate=succeeded / (succeeded + failed) if succeeded + failed else None,
                p50_latency_ms=None if p50 is None else round(p50, 3),
                p95_latency_ms=None if p95 is None else round(p95, 3),
                last_success_at=last.get((endpoint.id, True)),
                last_failure_at=last.get((endpoint.id, False)),
            )
        )
    return schemas.Stats(since=since, endpoints=rows)


async def failure_rates(
    session: AsyncSession, org_id: int, since: datetime
) -> list[tuple[str, float]]:
    """(endpoint name, % of its attempts since `since` that failed) for each of the
    organization's enabled endpoints that had attempts: the alerting metric
    `webhookFailureRate` reads this."""
    endpoints = {e.id: e for e in await EndpointRepository(session).all_of(org_id) if e.enabled}
    rows = await DeliveryRepository(session).failures_by_endpoint(org_id, since)
    return [
        (endpoints[endpoint_id].name, 100 * failed / total)
        for endpoint_id, total, failed in rows
        if endpoint_id in endpoints and total
    ]


PURGE_BATCH = 1000


async def purge(factory: async_sessionmaker[AsyncSession], *, retention_days: float) -> int:
    """Delete the messages older than the retention whose deliveries all finished, with
    their deliveries and attempts, in batches; returns how many messages went."""
    cutoff = utcnow() - timedelta(days=retention_days)
    return await delete_in_batches(
        factory,
        lambda session: DeliveryRepository(session).delete_finished_before(
            cutoff, batch=PURGE_BATCH
        ),
        batch=PURGE_BATCH,
    )
