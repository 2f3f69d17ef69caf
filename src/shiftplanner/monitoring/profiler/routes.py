from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from shiftplanner.kit.openapi import problems
from shiftplanner.monitoring.profiler import schemas
from shiftplanner.monitoring.profiler.cpu import ProfileFormat
from shiftplanner.monitoring.profiler.dependencies import ProfilersDep

router = APIRouter(prefix="/monitoring/profiler", tags=["operations"])

ID_PATTERN = r"^[0-9a-f]{16}$"
ProfileId = Annotated[str, Path(pattern=ID_PATTERN, description="The profile's id.")]
REFUSED = {403: "Not the platform operator signed in, or the profiler is off here"}


@router.post(
    "/cpu",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(
        {
            **REFUSED,
            409: "A profile is running already",
            422: "More seconds than SHIFTPLANNER_PROFILER_MAX_SECONDS",
        }
    ),
)
async def start_cpu_profile(
    data: schemas.CpuProfileStart, profilers: ProfilersDep
) -> schemas.CpuProfile:
    """Profile this process's CPU for `seconds` while it goes on serving (the platform
    operator, signed in; off in production unless SHIFTPLANNER_PROFILER_ENABLED). The
    answer comes at once with the profile's id; read it back when `status` is `finished`
    and download it as pyinstrument's HTML page or a speedscope file. One profile at a
    time; the last five are kept, in the process that took them (`pid`): with several
    worker processes, ask the same one. Samples the event loop's thread, every request
    and background task on it, every millisecond."""
    return schemas.CpuProfile.model_validate(profilers.cpu.start(data.seconds))


@router.get("/cpu", responses=problems(REFUSED))
async def list_cpu_profiles(profilers: ProfilersDep) -> list[schemas.CpuProfile]:
    """This process's kept CPU profiles, newest first."""
    return [schemas.CpuProfile.model_validate(p) for p in profilers.cpu.profiles()]


@router.get("/cpu/{profile_id}", responses=problems({**REFUSED, 404: "Not kept in this process"}))
async def get_cpu_profile(profile_id: ProfileId, profilers: ProfilersDep) -> schemas.CpuProfile:
    """One CPU profile: whether it is finished, and where the time went."""
    return schemas.CpuProfile.model_validate(profilers.cpu.get(profile_id))


@router.get(
    "/cpu/{profile_id}/download",
    response_class=Response,
    responses={
        200: {
            "description": "The profile as a file",
            "content": {"text/html": {}, "application/json": {}},
        },
        **problems({**REFUSED, 404: "Not kept in this process", 409: "Still running"}),
    },
)
async def download_cpu_profile(
    profile_id: ProfileId,
    profilers: ProfilersDep,
    output: Annotated[
        ProfileFormat,
        Query(
            alias="format",
            description="`html`: pyinstrument's page, opened in a browser. `speedscope`: "
            "a file for https://www.speedscope.app.",
        ),
    ] = ProfileFormat.HTML,
) -> Response:
    """A finished CPU profile as a file to save."""
    rendered = await profilers.cpu.render(profile_id, output)
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'},
    )


@router.post("/memory/snapshots", status_code=status.HTTP_201_CREATED, responses=problems(REFUSED))
async def take_memory_snapshot(profilers: ProfilersDep) -> schemas.MemorySnapshot:
    """Snapshot this process's memory with tracemalloc (the platform operator, signed in).
    The first starts tracing, which slows every allocation until it is stopped (`DELETE`)
    and sees only what is allocated from then on: take one, let the process work, take
    another, and diff them. The last four are kept, in the process that took them."""
    return schemas.MemorySnapshot.model_validate(await profilers.memory.take())


@router.get("/memory/snapshots", responses=problems(REFUSED))
async def list_memory_snapshots(profilers: ProfilersDep) -> schemas.TracingState:
    """Whether tracing is on, the memory it counts, and this process's kept snapshots."""
    return schemas.TracingState.model_validate(profilers.memory.state())


@router.delete(
    "/memory/snapshots", status_code=status.HTTP_204_NO_CONTENT, responses=problems(REFUSED)
)
async def stop_memory_tracing(profilers: ProfilersDep) -> None:
    """Stop tracing allocations and drop the snapshots."""
    profilers.memory.stop()


@router.get(
    "/memory/diff",
    responses=problems({**REFUSED, 404: "A snapshot not kept in this process"}),
)
async def diff_memory_snapshots(
    profilers: ProfilersDep,
    from_id: Annotated[
        str, Query(alias="from", pattern=ID_PATTERN, description="The earlier snapshot.")
    ],
    to_id: Annotated[str, Query(alias="to", pattern=ID_PATTERN, description="The later one.")],
    limit: Annotated[int, Query(ge=1, le=200, description="Lines to list.")] = 20,
) -> schemas.MemoryDiff:
    """What the process allocated and still holds between two snapshots, by the source
    line that allocated it (`file`, `line`), the largest changes first."""
    return schemas.MemoryDiff.model_validate(
        await profilers.memory.diff(from_id, to_id, limit=limit)
    )
