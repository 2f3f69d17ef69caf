from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

from prometheus_client import REGISTRY

from shiftplanner.config import Settings
from shiftplanner.monitoring.recorder import Recorder
from shiftplanner.monitoring.system import GC_TIMER, SystemMonitor, existing_parent
from shiftplanner.performance.cache.store import Lookup, ResponseStore
from shiftplanner.runtime import Runtime
from tests.redis_server import eventually


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)


def test_nearest_existing_parent(tmp_path: Path) -> None:
    assert existing_parent(tmp_path / "a" / "b") == tmp_path
    assert existing_parent(tmp_path) == tmp_path


async def test_a_sample_sets_the_gauges_and_the_minute(runtime: Runtime, tmp_path: Path) -> None:
    assert runtime.monitoring.measuring is not None
    monitor = runtime.monitoring.measuring.system
    monitor.data_dir = tmp_path / "missing"
    sample = monitor.sample(event_loop_lag_seconds=0.002)

    assert sample.rss_bytes > 0
    assert sample.open_files > 0
    assert sample.disk.path == str(tmp_path)
    assert 0 < sample.disk.used_percent <= 100
    assert sample.db_pool is not None
    assert sample.db_pool.size >= 1
    assert monitor.latest is sample
    assert gauge("shiftplanner_process_resident_memory_bytes") == sample.rss_bytes
    assert gauge("shiftplanner_process_open_files") == sample.open_files
    assert gauge("shiftplanner_event_loop_lag_seconds") == 0.002
    assert gauge("shiftplanner_data_disk_free_bytes") == sample.disk.free_bytes
    assert gauge("shiftplanner_data_disk_usage_ratio") == sample.disk.used_percent / 100
    minute = runtime.recorder.processes[max(runtime.recorder.processes)]
    assert minute.samples >= 1
    assert minute.rss_bytes_max >= sample.rss_bytes
    assert minute.event_loop_lag_ms_max >= 2.0
    assert minute.db_pool_size == sample.db_pool.size


async def test_gc_collections_and_pauses_are_counted(runtime: Runtime) -> None:
    def collections() -> float:
        value = REGISTRY.get_sample_value("shiftplanner_gc_collections_total", {"generation": "0"})
        return value or 0.0

    before = collections()
    GC_TIMER.acquire()
    try:
        # The youngest generation: a full collection of the test process's heap takes
        # seconds.
        gc.collect(0)
        gc.collect(0)
    finally:
        GC_TIMER.release()
    # At least ours: the app's own sampler may count the young collections that
    # allocations set off meanwhile.
    assert collections() >= before + 2
    assert runtime.monitoring.measuring is not None
    monitor = runtime.monitoring.measuring.system
    sample = monitor.sample()
    assert sample.gc_collections >= 2
    assert sample.gc_pause_ms > 0


async def test_the_loop_measures_how_late_the_event_loop_woke(settings: Settings) -> None:
    recorder = Recorder()
    monitor = SystemMonitor(
        settings.model_copy(update={"system_metrics_interval_seconds": 0.05}), recorder
    )
    monitor.start()
    try:
        await asyncio.sleep(0.01)  # the sampler is asleep now
        time.sleep(0.3)  # noqa: ASYNC251 (blocks the loop on purpose)

        async def sampled() -> bool:
            return monitor.latest is not None

        assert await eventually(sampled, 5)
        assert monitor.latest is not None
        assert monitor.latest.event_loop_lag_ms >= 100
    finally:
        await monitor.stop()


async def test_cache_lookups_feed_the_minute_rollups() -> None:
    recorder = Recorder()
    store = ResponseStore(max_memory_bytes=1024, redis_url=None, key_prefix="t", recorder=recorder)
    store.count("/api/schedules/week", Lookup.MISS)
    store.count("/api/schedules/week", Lookup.HIT_MEMORY)
    store.count("/api/schedules/week", Lookup.NOT_MODIFIED)
    store.count("/api/schedules/week", Lookup.BYPASS)
    minutes = recorder.processes.values()  # one, or two if a minute turned meanwhile
    hits = sum(minute.cache_hits for minute in minutes)
    assert (hits, sum(minute.cache_misses for minute in minutes)) == (2, 1)
    await store.close()
