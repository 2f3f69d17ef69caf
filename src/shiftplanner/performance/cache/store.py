"""Two levels of cached answers: a small in-process LRU in front of Redis (when
SHIFTPLANNER_REDIS_URL is set; in-process only otherwise).

Every key carries the data version it was computed at, so an entry never goes stale: it
becomes unreachable when the version moves on, and ages out. If Redis fails, the cache
goes on without it for a while (requests still succeed, uncached at that level), says so
in a metric and the log (at most once a minute), and tries Redis again by itself."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from shiftplanner.kit.urls import redact_url
from shiftplanner.logging import get_logger
from shiftplanner.monitoring.metrics import CACHE_ERRORS, CACHE_EVICTIONS, CACHE_LOOKUPS
from shiftplanner.monitoring.recorder import Recorder

log = get_logger(__name__)

REDIS_TIMEOUT_SECONDS = 0.25
# The stats count Redis's keys by scanning them; they stop counting here.
MAX_KEYS_COUNTED = 100_000
# After a Redis failure, how long the cache leaves Redis alone before trying again.
REDIS_RETRY_SECONDS = 5.0
ERROR_LOG_INTERVAL_SECONDS = 60.0
# A Redis hit is kept in this process too, for a while: the next one is then nearer.
REDIS_HIT_MEMORY_TTL = timedelta(minutes=5)


class Lookup(StrEnum):
    HIT_MEMORY = "hit_memory"
    HIT_REDIS = "hit_redis"
    MISS = "miss"
    NOT_MODIFIED = "not_modified"
    BYPASS = "bypass"


@dataclass
class EndpointStats:
    lookups: defaultdict[Lookup, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def hit_rate(self) -> float | None:
        hits = sum(self.lookups[r] for r in (Lookup.HIT_MEMORY, Lookup.HIT_REDIS))
        hits += self.lookups[Lookup.NOT_MODIFIED]
        total = hits + self.lookups[Lookup.MISS]
        return hits / total if total else None


class MemoryLevel:
    """The in-process LRU, bounded in bytes; entries also expire."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.evictions = 0
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return value

    def set(self, key: str, value: bytes, ttl: timedelta) -> None:
        if len(value) > self.max_bytes // 4:
            return  # one answer may not crowd out the rest
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (value, time.monotonic() + ttl.total_seconds())
        self.bytes += len(value)
        while self.bytes > self.max_bytes and self._entries:
            oldest = next(iter(self._entries))
            self._drop(oldest)
            self.evictions += 1
            CACHE_EVICTIONS.inc()

    def _drop(self, key: str) -> None:
        value, _ = self._entries.pop(key)
        self.bytes -= len(value)


# What counts as a hit in the minute rollups (as in `EndpointStats.hit_rate`).
HITS = frozenset({Lookup.HIT_MEMORY, Lookup.HIT_REDIS, Lookup.NOT_MODIFIED})


class ResponseStore:
    def __init__(
        self,
        *,
        max_memory_bytes: int,
        redis_url: str | None,
        key_prefix: str,
        recorder: Recorder | None = None,
    ) -> None:
        self.key_prefix = key_prefix
        # The process's minute rollups, which count hits and misses (metrics on).
        self.recorder = recorder
        self.memory = MemoryLevel(max_memory_bytes)
        self.redis_name = redact_url(redis_url) if redis_url else None
        self._redis = (
            redis.asyncio.Redis.from_url(
                redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                # A pooled connection a restarted Redis dropped fails once: try it anew.
                retry=Retry(NoBackoff(), 1),
                retry_on_error=[RedisConnectionError],
            )
            if redis_url
            else None
        )
        self._redis_down_until = -math.inf
        self._last_error_log = -math.inf
        self.endpoints: defaultdict[str, EndpointStats] = defaultdict(EndpointStats)

    @property
    def redis_available(self) -> bool:
        return self._redis is not None and time.monotonic() >= self._redis_down_until

    def count(self, endpoint: str, result: Lookup) -> None:
        self.endpoints[endpoint].lookups[result] += 1
        CACHE_LOOKUPS.labels(endpoint=endpoint, result=result.value).inc()
        if self.recorder is not None and result is not Lookup.BYPASS:
            self.recorder.cache_lookup(hit=result in HITS)

    async def get(self, key: str) -> tuple[bytes | None, Lookup]:
        value = self.memory.get(key)
        if value is not None:
            return value, Lookup.HIT_MEMORY
        if self._redis is None or not self.redis_available:
            return None, Lookup.MISS
        try:
            found = await self._redis.get(key)
        except (RedisError, OSError) as error:
            self._failed("get", error)
            return None, Lookup.MISS
        if found is None:
            return None, Lookup.MISS
        value = found.encode() if isinstance(found, str) else bytes(found)
        self.memory.set(key, value, REDIS_HIT_MEMORY_TTL)
        return value, Lookup.HIT_REDIS

    async def set(self, key: str, value: bytes, ttl: timedelta) -> None:
        self.memory.set(key, value, ttl)
        if self._redis is None or not self.redis_available:
            return
        try:
            await self._redis.set(key, value, ex=max(1, int(ttl.total_seconds())))
        except (RedisError, OSError) as error:
            self._failed("set", error)

    async def redis_info(self) -> tuple[int | None, int | None]:
        """Keys under our prefix and Redis's used memory, or Nones if it cannot say."""
        if self._redis is None or not self.redis_available:
            return None, None
        try:
            keys = 0
            async for _ in self._redis.scan_iter(match=f"{self.key_prefix}:cache:*", count=1000):
                keys += 1
                if keys >= MAX_KEYS_COUNTED:
                    break
            memory = await self._redis.info("memory")
        except (RedisError, OSError) as error:
            self._failed("info", error)
            return None, None
        return keys, int(memory.get("used_memory", 0))

    def _failed(self, operation: str, error: Exception) -> None:
        CACHE_ERRORS.labels(operation=operation).inc()
        now = time.monotonic()
        self._redis_down_until = now + REDIS_RETRY_SECONDS
        if now - self._last_error_log >= ERROR_LOG_INTERVAL_SECONDS:
            self._last_error_log = now
            log.warning(
                "cache_redis_unreachable",
                redis=self.redis_name,
                operation=operation,
                error=repr(error),
                effect=f"answers are cached in this process only; Redis is tried again "
                f"in {REDIS_RETRY_SECONDS:g} s",
            )

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
