"""The live profiler of this process: CPU profiles and memory snapshots, held by the
runtime (one per process) and ended with it."""

from __future__ import annotations

from dataclasses import dataclass

from shiftplanner.config import Settings
from shiftplanner.monitoring.profiler.cpu import CpuProfiler
from shiftplanner.monitoring.profiler.memory import MemoryTracer


@dataclass(slots=True)
class Profilers:
    cpu: CpuProfiler
    memory: MemoryTracer

    @classmethod
    def of(cls, settings: Settings) -> Profilers:
        return cls(
            cpu=CpuProfiler(max_seconds=settings.profiler_max_seconds), memory=MemoryTracer()
        )

    async def close(self) -> None:
        await self.cpu.close()
        self.memory.close()
