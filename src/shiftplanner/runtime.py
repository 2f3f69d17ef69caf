"""The long-lived objects of one running service, built once from the settings: the app
lifespan and the CLI commands share this so they configure things the same way."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shiftplanner.alerting.worker import AlertingWorker
from shiftplanner.config import Settings
from shiftplanner.db import (
    ON_COMMIT_WAKERS,
    create_engine,
    create_session_factory,
)
from shiftplanner.events import EventDispatcher, add_transactional_hook
from shiftplanner.events.outbox import DISPATCHER as OUTBOX_DISPATCHER
from shiftplanner.generation.runner import GenerationRunner
from shiftplanner.generation.service import QueuePolicy
from shiftplanner.live.hub import LiveHub
from shiftplanner.logging import get_logger
from shiftplanner.monitoring.recorder import Recorder
from shiftplanner.monitoring.runtime import Monitoring
from shiftplanner.notifications import consumer as notification_consumer
from shiftplanner.notifications.deliveries.service import WORKER as DELIVERY_WORKER
from shiftplanner.notifications.deliveries.worker import DeliveryWorker
from shiftplanner.performance.cache import versions as cache_versions
from shiftplanner.performance.cache.store import ResponseStore
from shiftplanner.performance.cache.warmup import warm_up
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.credentials import VerifiedKeys
from shiftplanner.security.login_throttle.service import LoginThrottle
from shiftplanner.security.passwords import Passwords
from shiftplanner.security.principals import PrincipalReader, principal_reader
from shiftplanner.security.ratelimit import RateLimiter
from shiftplanner.security.tokens import Tokens
from shiftplanner.webhooks import consumer as webhook_consumer
from shiftplanner.webhooks.deliveries.service import SENDER as WEBHOOK_SENDER
from shiftplanner.webhooks.sender import WebhookSender

log = get_logger(__name__)

# Every change's audit entry is written in the change's own transaction, and so is the
# bump of its organization's data version (which retires cached answers).
add_transactional_hook(audit_service.record_event)
add_transactional_hook(cache_versions.note_change)


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    # The same pool, without transactions: for requests that only read.
    read_engine: AsyncEngine
    read_session_factory: async_sessionmaker[AsyncSession]
    principals: PrincipalReader
    dispatcher: EventDispatcher
    generation_runner: GenerationRunner
    generation_queue: QueuePolicy
    passwords: Passwords
    tokens: Tokens
    login_throttle: LoginThrottle
    rate_limiter: RateLimiter
    verified_keys: VerifiedKeys
    response_store: ResponseStore | None
    # Readiness, profilers, and (metrics on) what measures this process.
    monitoring: Monitoring
    # Alert evaluation and escalation (started by the lifespan when alerting is enabled).
    alerting: AlertingWorker
    # Sends queued notifications (started when settings.notifications_enabled).
    delivery_worker: DeliveryWorker
    # Sends webhook deliveries (started when settings.webhooks_enabled).
    webhook_sender: WebhookSender
    # Fans committed events out to the live streams (started when settings.live_enabled).
    live: LiveHub

    @classmethod
    def build(cls, settings: Settings, recorder: Recorder | None = None) -> Runtime:
        engine = create_engine(settings)
        session_factory = create_session_factory(engine)
        dispatcher = EventDispatcher(
            session_factory,
            batch_size=settings.outbox_batch_size,
            poll_interval=settings.outbox_poll_interval_seconds,
            lease_seconds=settings.outbox_lease_seconds,
            max_attempts=settings.outbox_max_attempts,
        )
        # PostgreSQL: no BEGIN and COMMIT round trips for a read. SQLite's driver begins
        # no transaction for a read anyway, and switching its mode costs two thread hops.
        read_engine = (
            engine if settings.is_sqlite else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        read_session_factory = (
            session_factory if settings.is_sqlite else create_session_factory(read_engine)
        )
        delivery_worker = DeliveryWorker(settings, session_factory)
        webhook_sender = WebhookSender(settings, session_factory)
        live = LiveHub.of(settings, read_session_factory)

        def outbox_written() -> None:
            dispatcher.wake()
            live.wake()

        # Schedule changes reach the analysts they touch (when the dispatcher runs), and
        # every event the endpoints that subscribed to it.
        dispatcher.register(notification_consumer.consumer(settings))
        dispatcher.register(webhook_consumer.consumer())
        # A commit that wrote events wakes the dispatcher and the live streams instead of
        # waiting for their polls; one that queued notifications wakes their sender.
        for factory in {session_factory, read_session_factory}:
            factory.configure(
                info={
                    ON_COMMIT_WAKERS: {
                        OUTBOX_DISPATCHER: outbox_written,
                        DELIVERY_WORKER: delivery_worker.wake,
                        WEBHOOK_SENDER: webhook_sender.wake,
                    }
                }
            )
        generation_runner = GenerationRunner(settings, session_factory)
        recorder = recorder or Recorder()
        monitoring = Monitoring.build(
            settings,
            engine,
            session_factory,
            read_session_factory,
            recorder,
            dispatcher=dispatcher.heartbeat_age,
            generation_runner=generation_runner.heartbeat_age,
        )
        return cls(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            read_engine=read_engine,
            read_session_factory=read_session_factory,
            principals=principal_reader(settings, read_engine),
            dispatcher=dispatcher,
            generation_runner=generation_runner,
            generation_queue=QueuePolicy.of(settings),
            passwords=Passwords(settings),
            tokens=Tokens(
                settings.signing_secret(),
                access_ttl=timedelta(seconds=settings.jwt_access_ttl_seconds),
                refresh_ttl=timedelta(seconds=settings.jwt_refresh_ttl_seconds),
                previous_secrets=tuple(s.get_secret_value() for s in settings.jwt_previous_secrets),
            ),
            login_throttle=LoginThrottle(settings, session_factory),
            rate_limiter=RateLimiter(settings),
            verified_keys=VerifiedKeys(),
            response_store=(
                ResponseStore(
                    max_memory_bytes=settings.cache_memory_max_bytes,
                    redis_url=settings.redis_url,
                    key_prefix=settings.redis_key_prefix,
                    recorder=recorder if settings.metrics_enabled else None,
                )
                if settings.cache_enabled
                else None
            ),
            monitoring=monitoring,
            alerting=AlertingWorker.build(
                settings,
                engine,
                session_factory,
                monitoring.measuring.leader if monitoring.measuring is not None else None,
            ),
            delivery_worker=delivery_worker,
            webhook_sender=webhook_sender,
            live=live,
        )

    @property
    def recorder(self) -> Recorder:
        """This process's measurements until the rollup writer stores them."""
        return self.monitoring.recorder

    def warm_cache(self) -> asyncio.Task[None] | None:
        """Warm the response cache in the background (see performance.cache.warmup)."""
        if self.response_store is None:
            return None
        return asyncio.create_task(self._warm(self.response_store), name="cache-warm-up")

    async def _warm(self, store: ResponseStore) -> None:
        try:
            kept = await warm_up(self.read_session_factory, store, date.today())
        except Exception:
            log.exception("cache_warm_up_failed")
            return
        log.info("cache_warmed_up", answers=kept)

    async def close(self) -> None:
        # Before monitoring: the alerting worker may lead with monitoring's lock.
        await self.alerting.stop()
        await self.monitoring.close()
        await self.generation_runner.stop()
        await self.dispatcher.stop()
        await self.live.close()
        await self.delivery_worker.close()
        await self.webhook_sender.close()
        if self.response_store is not None:
            await self.response_store.close()
        await self.principals.close()
        await self.engine.dispose()
        self.monitoring.detach()
