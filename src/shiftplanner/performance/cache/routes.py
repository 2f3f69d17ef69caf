from __future__ import annotations

from fastapi import APIRouter

from shiftplanner.dependencies import RuntimeDep
from shiftplanner.performance.cache import schemas
from shiftplanner.performance.cache import service as cache_service
from shiftplanner.security.dependencies import SuperuserActor

router = APIRouter(prefix="/monitoring/cache", tags=["operations"])


@router.get("/stats")
async def cache_stats(runtime: RuntimeDep, actor: SuperuserActor) -> schemas.CacheStats:
    """The response cache (platform operator): this process's hit rate, its in-process
    level's entries and size, Redis's keys and memory, and each endpoint's hits, 304s and
    misses since the process started."""
    return await cache_service.stats(runtime.response_store)
