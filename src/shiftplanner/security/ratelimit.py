"""Rate limiting with the `limits` library: a moving window per policy and identity
(exact, so no double burst at a window's edge), counted in Redis when
SHIFTPLANNER_REDIS_URL is set (shared by every process and replica) or in memory.

Each kind of request (reads, writes, sign-ins, token refreshes, GraphQL) counts against
the policy its preset names (`Settings.rate_limits`); kinds naming the same policy share
its counter.

If the storage cannot be reached the limiter fails open: the request goes through, the
failure is counted in a metric and logged at most once a minute."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from shiftplanner.config import Settings
from shiftplanner.kit.urls import redact_url
from shiftplanner.logging import get_logger
from shiftplanner.monitoring.metrics import RATE_LIMIT_STORAGE_ERRORS

log = get_logger(__name__)

READ, WRITE, LOGIN, REFRESH, GRAPHQL = "read", "write", "login", "refresh", "graphql"
ERROR_LOG_INTERVAL_SECONDS = 60.0
STORAGE_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    item: RateLimitItem

    @property
    def limit(self) -> int:
        return int(self.item.amount)

    @property
    def window_seconds(self) -> int:
        return int(self.item.get_expiry())

    @property
    def header(self) -> str:
        """`RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): quota and window."""
        return f'"{self.name}";q={self.limit};w={self.window_seconds}'


@dataclass(frozen=True, slots=True)
class Decision:
    policy: Policy
    allowed: bool
    remaining: int | None  # None when the storage could not be asked
    reset_after: int  # seconds until the window has room again

    @property
    def header(self) -> str | None:
        """`RateLimit`: what is left of the quota and when it resets."""
        if self.remaining is None:
            return None
        return f'"{self.policy.name}";r={self.remaining};t={self.reset_after}'


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.preset = settings.rate_limit_preset.value
        # By kind of request; `policies` has each counter once.
        self.kinds = {
            kind: Policy(name, parse(rate)) for kind, (name, rate) in settings.rate_limits().items()
        }
        self.policies = {policy.name: policy for policy in self.kinds.values()}
        self.storage: Storage
        if settings.redis_url:
            self.storage_name = "redis " + redact_url(settings.redis_url)
            self.storage = RedisStorage(
                "async+" + settings.redis_url,
                implementation="redispy",
                key_prefix=f"{settings.redis_key_prefix}:ratelimit",
                socket_timeout=STORAGE_TIMEOUT_SECONDS,
                socket_connect_timeout=STORAGE_TIMEOUT_SECONDS,
            )
        else:
            self.storage_name = "memory (this process only)"
            self.storage = MemoryStorage()
        self._strategy = MovingWindowRateLimiter(self.storage)
        self._last_error_log = -math.inf

    async def hit(self, kind: str, identity: str) -> Decision:
        """Count one request of `identity` against its kind's policy and say whether it
        may pass."""
        policy = self.kinds[kind]
        try:
            # The policy's name is part of the key: two policies with the same rate must
            # not share a counter.
            allowed = await self._strategy.hit(policy.item, policy.name, identity)
            stats = await self._strategy.get_window_stats(policy.item, policy.name, identity)
        except Exception as error:
            self._storage_failed(policy, error)
            return Decision(policy, allowed=True, remaining=None, reset_after=0)
        reset_after = max(0, math.ceil(stats.reset_time - time.time()))
        return Decision(policy, allowed=allowed, remaining=stats.remaining, reset_after=reset_after)

    async def status(self, identity: str) -> list[Decision]:
        """Each policy's remaining quota for an identity, without counting a request."""
        decisions = []
        for policy in self.policies.values():
            try:
                stats = await self._strategy.get_window_stats(policy.item, policy.name, identity)
            except Exception as error:
                self._storage_failed(policy, error)
                decisions.append(Decision(policy, allowed=True, remaining=None, reset_after=0))
                continue
            reset_after = max(0, math.ceil(stats.reset_time - time.time()))
            decisions.append(Decision(policy, stats.remaining > 0, stats.remaining, reset_after))
        return decisions

    def _storage_failed(self, policy: Policy, error: Exception) -> None:
        RATE_LIMIT_STORAGE_ERRORS.labels(policy=policy.name).inc()
        now = time.monotonic()
        if now - self._last_error_log >= ERROR_LOG_INTERVAL_SECONDS:
            self._last_error_log = now
            log.error(
                "rate_limit_storage_unreachable",
                storage=self.storage_name,
                error=repr(error),
                effect="requests are let through unlimited until it is back",
            )

    async def reset(self) -> None:
        await self.storage.reset()
