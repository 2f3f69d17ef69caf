from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shiftplanner.dependencies import RuntimeDep
from shiftplanner.errors import Forbidden
from shiftplanner.monitoring.profiler.service import Profilers
from shiftplanner.security.dependencies import SuperuserActor


async def get_profilers(actor: SuperuserActor, runtime: RuntimeDep) -> Profilers:
    """The platform operator, signed in as a person, where the profiler is on. Not an
    API key, even with the `monitoring` scope: a profile slows the process and shows
    its code, a memory snapshot its allocations; a machine reader has no need of it."""
    if not runtime.settings.profiler_available:
        raise Forbidden(
            "The live profiler is off here (production's default): set "
            "SHIFTPLANNER_PROFILER_ENABLED=true to turn it on."
        )
    return runtime.monitoring.profilers


ProfilersDep = Annotated[Profilers, Depends(get_profilers)]
