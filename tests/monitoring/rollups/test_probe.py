"""The availability probe counts the readiness check's verdicts per minute: a pass while
the service can serve, a failure when a dependency is down, when the check hangs or when
it breaks."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from shiftplanner.config import Settings
from shiftplanner.monitoring.recorder import Recorder
from shiftplanner.monitoring.rollups.probe import Probe
from shiftplanner.runtime import Runtime
from tests.conftest import running
from tests.subprocesses import free_port


def probes(result: str) -> float:
    return (
        REGISTRY.get_sample_value("shiftplanner_availability_probes_total", {"result": result})
        or 0.0
    )


def counted(recorder: Recorder) -> tuple[int, int]:
    return (
        sum(minute.passes for minute in recorder.probes.values()),
        sum(minute.failures for minute in recorder.probes.values()),
    )


async def test_the_probe_passes_while_the_service_is_ready(runtime: Runtime) -> None:
    recorder = Recorder()
    probe = Probe(recorder, runtime.monitoring.ready, timeout_seconds=5)
    before = probes("pass")
    assert await probe.run_once()
    assert counted(recorder) == (1, 0)
    assert probes("pass") == before + 1


async def test_the_probe_fails_when_a_dependency_is_down(settings: Settings) -> None:
    # Redis configured but nobody answers: readiness fails, so the minute is down.
    dead_redis = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    async with running(dead_redis) as (app, _):
        runtime: Runtime = app.state.runtime
        recorder = Recorder()
        probe = Probe(recorder, runtime.monitoring.ready, timeout_seconds=5)
        before = probes("fail")
        assert not await probe.run_once()
        assert counted(recorder) == (0, 1)
        assert probes("fail") == before + 1


async def test_a_check_that_hangs_or_breaks_is_a_failure() -> None:
    async def hangs() -> bool:
        await asyncio.sleep(60)
        return True

    async def breaks() -> bool:
        raise ConnectionError("refused")

    recorder = Recorder()
    assert not await Probe(recorder, hangs, timeout_seconds=0.1).run_once()
    assert not await Probe(recorder, breaks, timeout_seconds=1).run_once()
    assert counted(recorder) == (0, 2)
