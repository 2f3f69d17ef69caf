"""The webhook sender: posts due deliveries, records every attempt, and schedules the
retries. Woken right after a commit that queued deliveries (so the first attempt leaves
within milliseconds of the change), and polling for retries that come due.

A sender works endpoint by endpoint: it leases an endpoint (`claimed_until`; `FOR UPDATE
SKIP LOCKED` on PostgreSQL), so several processes can send without any attempt going out
twice at once, and an ordered endpoint gets its messages one after another in order of
creation, the next only after the one before succeeded or gave up. An endpoint that opts
out of ordering gets several at once. A sender that dies mid-batch only delays its
endpoints until the lease ends; what it sent without recording is sent again with the
same `webhook-id` (at least once, never lost)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.kit.pump import Pump
from shiftplanner.kit.signing import headers
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.models import AttemptTrigger, WebhookDelivery, WebhookEndpoint, WebhookMessage
from shiftplanner.monitoring.metrics import WEBHOOK_OLDEST_PENDING_AGE, WEBHOOK_QUEUE_DEPTH
from shiftplanner.notifications.senders import outbound_http
from shiftplanner.notifications.senders.addresses import AddressPolicy
from shiftplanner.notifications.senders.http import OutboundHttp
from shiftplanner.webhooks.deliveries import service as delivery_service
from shiftplanner.webhooks.deliveries.repository import DeliveryRepository
from shiftplanner.webhooks.deliveries.service import AttemptResult, RetryPolicy
from shiftplanner.webhooks.endpoints import service as endpoint_service
from shiftplanner.webhooks.endpoints.repository import EndpointRepository
from shiftplanner.webhooks.messages import TEST, encoded, test_body

log = get_logger(__name__)

# Deliveries of one endpoint taken in one lease.
BATCH_SIZE = 100
USER_AGENT = "ShiftPlanner-Webhooks"


def lease(timeout_seconds: float) -> timedelta:
    """How long a sender holds an endpoint: well beyond one attempt's timeout (a batch
    stops taking new sends at half of it)."""
    return timedelta(seconds=max(60.0, 4 * timeout_seconds))


class WebhookSender:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        http: OutboundHttp | None = None,
        lease_time: timedelta | None = None,
    ) -> None:
        self.settings = settings
        self.policy = RetryPolicy.of(settings)
        self.http = http or outbound_http(
            AddressPolicy.from_settings(settings), settings.webhook_timeout_seconds, USER_AGENT
        )
        self._session_factory = session_factory
        self._lease = lease_time or lease(settings.webhook_timeout_seconds)
        # Sends in flight at once in this process, across endpoints.
        self._slots = asyncio.Semaphore(settings.webhook_concurrency)
        self._pump = Pump(
            "webhook-sender",
            claim=lambda limit: self._claim(utcnow(), limit),
            # An endpoint that took sends may have more due.
            work=self._serve_and_go_on,
            concurrency=settings.webhook_concurrency,
            poll_interval=settings.webhook_poll_interval_seconds,
            after_claim=self._count_queue,
        )
        # Send soon: called after a commit that queued deliveries.
        self.wake = self._pump.wake
        self.start = self._pump.start
        # Stop sending; what was in flight is taken up again when its lease ends.
        self.stop = self._pump.stop

    async def close(self) -> None:
        await self.stop()
        await self.http.client.aclose()

    async def run_once(self, now: datetime | None = None) -> int:
        """Send what is due at `now` to every endpoint and record the outcomes (at `now`:
        tests drive the clock). Returns how many attempts were made."""
        endpoint_ids = await self._claim(now or utcnow(), self.settings.webhook_concurrency)
        made = await asyncio.gather(
            *(self._serve(endpoint_id, now) for endpoint_id in endpoint_ids)
        )
        await self._count_queue()
        return sum(made)

    async def _serve_and_go_on(self, endpoint_id: int) -> bool:
        return await self._serve(endpoint_id, None) > 0

    async def _claim(self, now: datetime, limit: int) -> list[int]:
        async with session_scope(self._session_factory) as session:
            return await DeliveryRepository(session).claim_endpoints(
                now, limit=limit, until=now + self._lease
            )

    async def _serve(self, endpoint_id: int, now: datetime | None) -> int:
        """Send one batch of the endpoint's due deliveries, record them, release the
        endpoint. Returns how many attempts were made."""
        try:
            return await self._send_batch(endpoint_id, now)
        except Exception:
            log.exception("webhook_endpoint_round_failed", endpoint_id=endpoint_id)
            return 0
        finally:
            with contextlib.suppress(Exception):
                async with session_scope(self._session_factory) as session:
                    await DeliveryRepository(session).release_endpoint(endpoint_id)

    async def _send_batch(self, endpoint_id: int, now: datetime | None) -> int:
        at = now or utcnow()
        async with self._session_factory() as session:
            endpoint = (await EndpointRepository(session).by_ids([endpoint_id])).get(endpoint_id)
            if endpoint is None or not endpoint.enabled:
                return 0
            pending = await DeliveryRepository(session).pending_of(endpoint_id, limit=BATCH_SIZE)
        due = _due(pending, at, ordered=endpoint.ordered)
        if not due:
            return 0
        secrets = endpoint_service.signing_secrets(endpoint, at)
        # No send starts after half the lease: the batch is recorded well before another
        # sender may take the endpoint (a send started in time ends within its timeout).
        deadline = time.monotonic() + self._lease.total_seconds() / 2
        if endpoint.ordered:
            results = await self._in_order(endpoint, due, secrets, deadline)
        else:
            results = await asyncio.gather(
                *(self._bounded(endpoint, message, secrets, deadline) for _, message in due)
            )
        # An ordered batch stops early: fewer results than deliveries.
        sent = [
            (delivery, result)
            for (delivery, _), result in zip(due, results, strict=False)
            if result is not None
        ]
        async with session_scope(self._session_factory) as session:
            endpoint = await session.merge(endpoint, load=False)
            for delivery, result in sent:
                delivery = await session.merge(delivery, load=False)
                await delivery_service.record_attempt(
                    session, delivery, endpoint, result, policy=self.policy, now=now or utcnow()
                )
                if not endpoint.enabled:
                    break  # disabled by this answer: the rest were failed with it
        return len(sent)

    async def _in_order(
        self,
        endpoint: WebhookEndpoint,
        due: list[tuple[WebhookDelivery, WebhookMessage]],
        secrets: list[str],
        deadline: float,
    ) -> list[AttemptResult | None]:
        """One after another, stopping at the first failure (the later ones wait for its
        retry) or at the deadline."""
        results: list[AttemptResult | None] = []
        for _, message in due:
            result = await self._bounded(endpoint, message, secrets, deadline)
            results.append(result)
            if result is None or not result.succeeded:
                break
        return results

    async def _bounded(
        self,
        endpoint: WebhookEndpoint,
        message: WebhookMessage,
        secrets: list[str],
        deadline: float,
    ) -> AttemptResult | None:
        """The attempt, made when a slot is free; None (not made) if that is past the
        deadline: the delivery stays due for the next round."""
        async with self._slots:
            if time.monotonic() > deadline:
                return None
            return await self.attempt(endpoint.url, message, secrets)

    async def attempt(self, url: str, message: WebhookMessage, secrets: list[str]) -> AttemptResult:
        """One signed POST of `message` to `url` and how it went."""
        started_at = utcnow()
        clock = time.perf_counter()
        try:
            # Signed at the time of this attempt: receivers refuse old timestamps.
            signed = headers(message.webhook_id, started_at, message.body, secrets)
            outcome = await self.http.post(url, content=message.body.encode(), headers=signed)
        except Exception as error:
            # A bug here must not leave the delivery claimed and unrecorded.
            log.exception("webhook_attempt_failed", message_id=message.id)
            return AttemptResult(
                started_at=started_at,
                duration_ms=(time.perf_counter() - clock) * 1000,
                succeeded=False,
                error=f"{type(error).__name__}: {error}",
            )
        return AttemptResult(
            started_at=started_at,
            duration_ms=(time.perf_counter() - clock) * 1000,
            succeeded=outcome.ok,
            status_code=outcome.status,
            response_excerpt=outcome.answer,
            error=outcome.error,
            retry_after_seconds=outcome.retry_after,
        )

    async def send_test(self, endpoint: WebhookEndpoint) -> int:
        """Send a `webhook.test` message to the endpoint now (enabled or not), record the
        attempt as a delivery of its own, and return the delivery's id. The delivery is
        written after the attempt, so a test can never hold back an ordered endpoint's
        queue."""
        now = utcnow()
        async with session_scope(self._session_factory) as session:
            message = WebhookMessage(
                org_id=endpoint.org_id,
                event_type=TEST,
                event_id=None,
                body=encoded(test_body(endpoint.id, now)),
                created_at=now,
            )
            session.add(message)
        result = await self.attempt(
            endpoint.url, message, endpoint_service.signing_secrets(endpoint, now)
        )
        async with session_scope(self._session_factory) as session:
            delivery = WebhookDelivery(
                org_id=endpoint.org_id,
                endpoint_id=endpoint.id,
                message_id=message.id,
                event_type=TEST,
                next_trigger=AttemptTrigger.TEST,
                created_at=now,
            )
            session.add(delivery)
            await session.flush()
            await delivery_service.record_attempt(
                session, delivery, endpoint, result, policy=self.policy, now=utcnow()
            )
            return delivery.id

    async def _count_queue(self) -> None:
        async with self._session_factory() as session:
            count, oldest = await DeliveryRepository(session).queue_state()
        WEBHOOK_QUEUE_DEPTH.set(count)
        WEBHOOK_OLDEST_PENDING_AGE.set(
            max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0
        )


def _due(
    pending: list[tuple[WebhookDelivery, WebhookMessage]], now: datetime, *, ordered: bool
) -> list[tuple[WebhookDelivery, WebhookMessage]]:
    """The deliveries to send now: for an ordered endpoint, the due ones from the oldest
    up to the first that is not due (it holds back the rest); otherwise every due one."""
    due = []
    for delivery, message in pending:
        if delivery.next_attempt_at is not None and delivery.next_attempt_at <= now:
            due.append((delivery, message))
        elif ordered:
            break
    return due
