"""The long-lived objects of one running service, built once from the settings: the app
lifespan and the CLI commands share this so they configure things the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shiftplanner.config import Settings
from shiftplanner.db import ON_OUTBOX_COMMIT, create_engine, create_session_factory
from shiftplanner.events import EventDispatcher, add_transactional_hook
from shiftplanner.generation.runner import GenerationRunner
from shiftplanner.generation.service import QueuePolicy
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.credentials import VerifiedKeys
from shiftplanner.security.login_throttle.service import LoginThrottle
from shiftplanner.security.passwords import Passwords
from shiftplanner.security.ratelimit import RateLimiter
from shiftplanner.security.tokens import Tokens

# Every change's audit entry is written in the change's own transaction.
add_transactional_hook(audit_service.record_event)


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    dispatcher: EventDispatcher
    generation_runner: GenerationRunner
    generation_queue: QueuePolicy
    passwords: Passwords
    tokens: Tokens
    login_throttle: LoginThrottle
    rate_limiter: RateLimiter
    verified_keys: VerifiedKeys

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = create_engine(settings)
        session_factory = create_session_factory(engine)
        dispatcher = EventDispatcher(
            session_factory,
            batch_size=settings.outbox_batch_size,
            poll_interval=settings.outbox_poll_interval_seconds,
            lease_seconds=settings.outbox_lease_seconds,
            max_attempts=settings.outbox_max_attempts,
        )
        # A commit that wrote events wakes the dispatcher instead of waiting for its poll.
        session_factory.configure(info={ON_OUTBOX_COMMIT: dispatcher.wake})
        return cls(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            dispatcher=dispatcher,
            generation_runner=GenerationRunner(settings, session_factory),
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
        )

    async def close(self) -> None:
        await self.generation_runner.stop()
        await self.dispatcher.stop()
        await self.engine.dispose()
