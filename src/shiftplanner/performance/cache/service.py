"""What the response cache says of itself."""

from __future__ import annotations

from shiftplanner.performance.cache import schemas
from shiftplanner.performance.cache.store import Lookup, ResponseStore


async def stats(store: ResponseStore | None) -> schemas.CacheStats:
    if store is None:
        return schemas.CacheStats(
            enabled=False, hit_rate=None, memory=None, redis=None, endpoints=[]
        )
    keys, used_memory = await store.redis_info()
    endpoints = [
        schemas.EndpointStats(
            endpoint=endpoint,
            hits_memory=counted.lookups[Lookup.HIT_MEMORY],
            hits_redis=counted.lookups[Lookup.HIT_REDIS],
            not_modified=counted.lookups[Lookup.NOT_MODIFIED],
            misses=counted.lookups[Lookup.MISS],
            hit_rate=counted.hit_rate,
        )
        for endpoint, counted in sorted(store.endpoints.items())
    ]
    hits = sum(e.hits_memory + e.hits_redis + e.not_modified for e in endpoints)
    lookups = hits + sum(e.misses for e in endpoints)
    return schemas.CacheStats(
        enabled=True,
        hit_rate=hits / lookups if lookups else None,
        memory=schemas.MemoryLevel(
            entries=len(store.memory),
            bytes=store.memory.bytes,
            max_bytes=store.memory.max_bytes,
            evictions=store.memory.evictions,
        ),
        redis=schemas.RedisLevel(
            configured=store.redis_name is not None,
            available=store.redis_available,
            url=store.redis_name,
            keys=keys,
            used_memory_bytes=used_memory,
        ),
        endpoints=endpoints,
    )
