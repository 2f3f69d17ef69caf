"""The delivery worker: sends the due deliveries, a few at once, and records each
outcome. Woken right after a commit that queued one (so the first notification leaves
within milliseconds), and polling for retries that come due.

Deliveries are claimed with a lease (`claimed_until`; `FOR UPDATE SKIP LOCKED` on
PostgreSQL), so several processes can run workers without sending one twice at once,
and a worker that dies mid-send only delays its deliveries until the lease ends."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.config import Settings
from shiftplanner.db import session_scope
from shiftplanner.kit.pump import Pump
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.models import ChannelType
from shiftplanner.monitoring.metrics import NOTIFICATION_QUEUE_DEPTH
from shiftplanner.notifications.channels.repository import ChannelRepository
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.notifications.deliveries.repository import DeliveryRepository
from shiftplanner.notifications.senders import Outcome, Outgoing, Senders

log = get_logger(__name__)

# Deliveries sent at once by one process: enough that a slow receiver does not hold up
# the others, few enough not to flood a mail server.
CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery with what sending it needs."""

    delivery_id: int
    channel_type: ChannelType
    outgoing: Outgoing
    # Why it must not be sent after all (its channel was disabled), if so.
    cancel_reason: str | None = None


class DeliveryWorker:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.settings = settings
        self.senders = Senders(settings)
        self._session_factory = session_factory
        self._concurrency = concurrency
        self._pump = Pump(
            "notification-deliveries",
            claim=lambda limit: self._claim(utcnow(), limit),
            work=self._deliver_and_go_on,
            concurrency=concurrency,
            poll_interval=settings.notification_poll_interval_seconds,
            after_claim=self._count_queue,
        )
        # Send soon: called after a commit that queued deliveries.
        self.wake = self._pump.wake
        self.start = self._pump.start
        # Stop sending; what was in flight is taken up again when its lease ends.
        self.stop = self._pump.stop

    async def close(self) -> None:
        await self.stop()
        await self.senders.aclose()

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim the deliveries due at `now`, send them and record the outcomes (at `now`:
        tests drive the clock). Returns how many were claimed."""
        jobs = await self._claim(now or utcnow(), CONCURRENCY * 4)
        semaphore = asyncio.Semaphore(self._concurrency)

        async def bounded(job: Job) -> None:
            async with semaphore:
                await self._deliver(job, now)

        await asyncio.gather(*(bounded(job) for job in jobs))
        await self._count_queue()
        return len(jobs)

    async def _deliver_and_go_on(self, job: Job) -> bool:
        await self._deliver(job, None)
        return True  # a free slot: there may be more due

    async def _claim(self, now: datetime, limit: int) -> list[Job]:
        until = now + delivery_service.lease(self.settings.notification_timeout_seconds)
        async with session_scope(self._session_factory) as session:
            deliveries = await DeliveryRepository(session).claim_due(now, limit=limit, until=until)
            channels = await ChannelRepository(session).by_ids(
                d.channel_id for d in deliveries if d.channel_id is not None
            )
        jobs = []
        for delivery in deliveries:
            channel = channels.get(delivery.channel_id) if delivery.channel_id else None
            jobs.append(
                Job(
                    delivery_id=delivery.id,
                    channel_type=delivery.channel_type,
                    outgoing=Outgoing(
                        address=delivery.recipient,
                        message=delivery_service.message_of(delivery),
                        # Stable across retries: receivers drop a duplicate by it.
                        message_id=f"msg_{delivery.id}",
                        secret=channel.secret if channel is not None else None,
                    ),
                    cancel_reason=(
                        "The channel was disabled."
                        if channel is not None and not channel.enabled
                        else None
                    ),
                )
            )
        return jobs

    async def _deliver(self, job: Job, now: datetime | None) -> None:
        try:
            if job.cancel_reason is not None:
                async with session_scope(self._session_factory) as session:
                    await delivery_service.cancel(session, job.delivery_id, job.cancel_reason)
                return
            try:
                outcome = await self.senders.send(job.channel_type, job.outgoing)
            except Exception as error:
                # A sender's bug must not leave the delivery claimed and unrecorded.
                log.exception("notification_sender_failed", delivery_id=job.delivery_id)
                outcome = Outcome.failed(f"{type(error).__name__}: {error}")
            async with session_scope(self._session_factory) as session:
                await delivery_service.record_outcome(
                    session,
                    job.delivery_id,
                    outcome,
                    now=now or utcnow(),
                    max_attempts=self.settings.notification_max_attempts,
                    retry_base_seconds=self.settings.notification_retry_base_seconds,
                )
        except Exception:
            log.exception("notification_record_failed", delivery_id=job.delivery_id)

    async def _count_queue(self) -> None:
        async with self._session_factory() as session:
            NOTIFICATION_QUEUE_DEPTH.set(await DeliveryRepository(session).pending_count())
