"""The two levels: the in-process LRU keeps within its size; without Redis (down, or
never there) answers still come, and the cache finds Redis again by itself."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
import structlog
from prometheus_client import REGISTRY

from shiftplanner.config import Settings
from shiftplanner.performance.cache import store as store_module
from shiftplanner.performance.cache.store import Lookup, MemoryLevel, ResponseStore
from tests.conftest import running
from tests.factories import Tenant
from tests.redis_server import eventually, free_port, listening, start_redis
from tests.subprocesses import stop

MINUTE = timedelta(minutes=1)


def test_the_memory_level_drops_the_least_recently_used_to_stay_in_its_size() -> None:
    memory = MemoryLevel(max_bytes=400)
    for n in range(4):
        memory.set(f"k{n}", b"x" * 100, MINUTE)
    assert memory.get("k0") == b"x" * 100  # now the most recently used
    memory.set("k4", b"y" * 100, MINUTE)
    assert memory.get("k1") is None  # the least recently used went
    assert memory.get("k0") is not None
    assert (len(memory), memory.bytes, memory.evictions) == (4, 400, 1)
    memory.set("huge", b"z" * 101, MINUTE)  # over a quarter of the level: not kept
    assert memory.get("huge") is None


def test_an_entry_expires() -> None:
    memory = MemoryLevel(max_bytes=1000)
    memory.set("gone", b"x", timedelta(seconds=-1))
    assert memory.get("gone") is None
    assert memory.bytes == 0


async def test_answers_come_from_redis_to_another_store_and_survive_redis_going_away(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    server = start_redis(port)
    prefix = f"test-{uuid.uuid4().hex}"
    url = f"redis://127.0.0.1:{port}/0"
    first = ResponseStore(max_memory_bytes=10_000, redis_url=url, key_prefix=prefix)
    second = ResponseStore(max_memory_bytes=10_000, redis_url=url, key_prefix=prefix)
    monkeypatch.setattr(store_module, "REDIS_RETRY_SECONDS", 0.3)
    try:
        assert await eventually(lambda: listening(port), 5), "redis-server did not start"
        await first.set(f"{prefix}:cache:a", b"answer", MINUTE)
        assert await second.get(f"{prefix}:cache:a") == (b"answer", Lookup.HIT_REDIS)
        assert await second.get(f"{prefix}:cache:a") == (b"answer", Lookup.HIT_MEMORY)
        assert (await second.redis_info())[0] == 1

        server.kill()
        server.wait(timeout=5)
        monkeypatch.setattr(store_module, "log", structlog.get_logger(store_module.__name__))
        with structlog.testing.capture_logs() as logs:
            assert await second.get(f"{prefix}:cache:b") == (None, Lookup.MISS)
            assert not second.redis_available  # left alone for a while
            await second.set(f"{prefix}:cache:b", b"kept here", MINUTE)
            assert await second.get(f"{prefix}:cache:b") == (b"kept here", Lookup.HIT_MEMORY)
        assert [e["event"] for e in logs] == ["cache_redis_unreachable"]
        errors = REGISTRY.get_sample_value("shiftplanner_cache_errors_total", {"operation": "get"})
        assert errors is not None
        assert errors >= 1

        server = start_redis(port)
        assert await eventually(lambda: listening(port), 5), "redis-server did not restart"
        await asyncio.sleep(0.35)
        assert second.redis_available
        await second.set(f"{prefix}:cache:c", b"back", MINUTE)
        assert await first.get(f"{prefix}:cache:c") == (b"back", Lookup.HIT_REDIS)
    finally:
        await first.close()
        await second.close()
        stop(server)


async def test_requests_succeed_while_the_caches_redis_is_gone(
    settings: Settings, tenant: Tenant
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    config = settings.model_copy(update={"redis_url": nowhere, "rate_limit_enabled": False})
    async with running(config) as (_, http):
        answers = [await http.get("/api/teams", headers=tenant.admin) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["x-cache"] for a in answers] == ["MISS", "HIT", "HIT"]


async def test_the_stats_say_how_the_cache_does(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    for _ in range(3):
        await client.get("/api/teams", headers=tenant.admin)
    tag = (await client.get("/api/teams", headers=tenant.viewer)).headers["etag"]
    await client.get("/api/teams", headers={**tenant.viewer, "If-None-Match": tag})
    stats = await client.get("/monitoring/cache/stats", headers=tenant.admin)
    assert stats.status_code == 200, stats.text
    body = stats.json()
    [teams] = [e for e in body["endpoints"] if e["endpoint"] == "/api/teams"]
    assert (teams["misses"], teams["hits_memory"], teams["not_modified"]) == (1, 3, 1)
    assert teams["hit_rate"] == pytest.approx(0.8)
    assert body["memory"]["entries"] >= 1
    assert body["redis"]["configured"] is False
    refused = await client.get("/monitoring/cache/stats", headers=other_tenant.admin)
    assert refused.status_code == 403
