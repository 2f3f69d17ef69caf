from __future__ import annotations

from pydantic import Field

from shiftplanner.kit.schemas import Schema


class MemoryLevel(Schema):
    entries: int
    bytes: int
    max_bytes: int
    evictions: int


class RedisLevel(Schema):
    configured: bool
    available: bool = Field(description="False while the cache leaves Redis alone after a failure.")
    url: str | None = Field(description="Without its password.")
    keys: int | None = Field(description="Cached answers in Redis (counted up to 100,000).")
    used_memory_bytes: int | None


class EndpointStats(Schema):
    endpoint: str = Field(description="The route template.")
    hits_memory: int
    hits_redis: int
    not_modified: int = Field(description="Answered 304 from the ETag alone.")
    misses: int
    hit_rate: float | None


class CacheStats(Schema):
    enabled: bool
    hit_rate: float | None = Field(description="Of this process, since it started.")
    memory: MemoryLevel | None
    redis: RedisLevel | None
    endpoints: list[EndpointStats]
