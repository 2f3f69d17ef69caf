"""CPU profiles of the live process with pyinstrument, one at a time, while it serves.

The profiler samples the thread that starts it: here the event loop's, which runs every
request, the background workers' loops and the middleware. Its async mode is off, so
each sample is whatever the loop is doing then, in any task (with async mode on it
would follow only the task that started it, which just sleeps). Worker threads
(`asyncio.to_thread`, the SQLite driver's, password hashing) and the solver processes
are not sampled: their time shows as the loop waiting.

Profiles live in this process's memory (the last few); with several worker processes,
each has its own, and the id names the process that took it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from pyinstrument import Profiler
from pyinstrument.frame import Frame
from pyinstrument.renderers import HTMLRenderer, SpeedscopeRenderer
from pyinstrument.session import Session

from shiftplanner.errors import Conflict, InvalidInput, NotFound
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger

log = get_logger(__name__)

# pyinstrument's default: a sample every millisecond of the loop's time.
SAMPLE_INTERVAL_SECONDS = 0.001
KEPT_PROFILES = 5
HOTTEST_FUNCTIONS = 15


class ProfileStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"


class ProfileFormat(StrEnum):
    HTML = "html"
    SPEEDSCOPE = "speedscope"


@dataclass(frozen=True, slots=True)
class HotFunction:
    function: str
    file: str | None
    line: int | None
    self_seconds: float
    application: bool


@dataclass(slots=True)
class CpuProfile:
    id: str
    seconds: float
    started_at: datetime
    pid: int
    status: ProfileStatus = ProfileStatus.RUNNING
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    samples: int | None = None
    cpu_seconds: float | None = None
    hottest: list[HotFunction] = field(default_factory=list)
    session: Session | None = None


@dataclass(frozen=True, slots=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str


class CpuProfiler:
    """This process's CPU profiles: at most one running, the last few kept."""

    def __init__(self, *, max_seconds: float, keep: int = KEPT_PROFILES) -> None:
        self.max_seconds = max_seconds
        self._keep = keep
        self._profiles: OrderedDict[str, CpuProfile] = OrderedDict()
        self._running: asyncio.Task[None] | None = None

    def start(self, seconds: float) -> CpuProfile:
        """Start profiling the event loop's thread for `seconds` (call it on that
        thread: from a request). The profile ends by itself."""
        if seconds > self.max_seconds:
            raise InvalidInput(
                f"A profile runs at most {self.max_seconds:g} s here "
                "(SHIFTPLANNER_PROFILER_MAX_SECONDS).",
                pointer="#/seconds",
            )
        running = self._current()
        if running is not None:
            raise Conflict(
                f"Profile {running.id} is running until {ends_at(running)}; one "
                "profile at a time, since each slows the process."
            )
        profile = CpuProfile(
            id=secrets.token_hex(8), seconds=seconds, started_at=utcnow(), pid=os.getpid()
        )
        profiler = Profiler(interval=SAMPLE_INTERVAL_SECONDS, async_mode="disabled")
        profiler.start(target_description=f"shiftplanner process {profile.pid}")
        self._profiles[profile.id] = profile
        self._running = asyncio.create_task(
            self._finish(profile, profiler), name=f"cpu-profile-{profile.id}"
        )
        while len(self._profiles) > self._keep:
            self._profiles.popitem(last=False)
        log.info("cpu_profile_started", profile_id=profile.id, seconds=seconds)
        return profile

    async def _finish(self, profile: CpuProfile, profiler: Profiler) -> None:
        session: Session | None = None
        try:
            await asyncio.sleep(profile.seconds)
        finally:
            # On the loop's thread again, where it started: pyinstrument requires it.
            try:
                session = profiler.stop()
            except Exception:
                # Something else took the thread's profile hook (a debugger): the profile
                # is lost, and must not stay "running" and refuse every later one.
                log.exception("cpu_profile_failed", profile_id=profile.id)
                self._profiles.pop(profile.id, None)
            else:
                profile.session = session
                profile.finished_at = utcnow()
                profile.duration_seconds = session.duration
                profile.samples = session.sample_count
                profile.cpu_seconds = session.cpu_time
                profile.status = ProfileStatus.FINISHED
                log.info(
                    "cpu_profile_finished", profile_id=profile.id, samples=session.sample_count
                )
        if session is not None:
            profile.hottest = await asyncio.to_thread(hottest_functions, session)

    def _current(self) -> CpuProfile | None:
        return next((p for p in self._profiles.values() if p.status is ProfileStatus.RUNNING), None)

    def profiles(self) -> list[CpuProfile]:
        """The kept profiles, newest first."""
        return list(reversed(self._profiles.values()))

    def get(self, profile_id: str) -> CpuProfile:
        profile = self._profiles.get(profile_id)
        if profile is None:
            raise NotFound(
                f"No CPU profile {profile_id} in process {os.getpid()}: only the last "
                f"{self._keep} are kept, each in the process that took it."
            )
        return profile

    async def render(self, profile_id: str, output: ProfileFormat) -> Rendered:
        """The finished profile as pyinstrument's HTML page or a speedscope file."""
        profile = self.get(profile_id)
        if profile.session is None:
            raise Conflict(f"Profile {profile_id} is still running, until {ends_at(profile)}.")
        session = profile.session
        if output is ProfileFormat.HTML:
            page = await asyncio.to_thread(HTMLRenderer().render, session)
            return Rendered(
                page.encode(), "text/html; charset=utf-8", f"cpu-profile-{profile_id}.html"
            )
        # A renderer keeps state while it renders: a new one each time.
        document = await asyncio.to_thread(SpeedscopeRenderer().render, session)
        return Rendered(
            document.encode(), "application/json", f"cpu-profile-{profile_id}.speedscope.json"
        )

    async def close(self) -> None:
        """End a running profile (the app is stopping)."""
        task, self._running = self._running, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def ends_at(profile: CpuProfile) -> str:
    end = profile.started_at + timedelta(seconds=profile.seconds)
    return end.isoformat(timespec="seconds")


def hottest_functions(session: Session, limit: int = HOTTEST_FUNCTIONS) -> list[HotFunction]:
    """The functions the loop spent the most time in themselves (not in their callees)."""
    root = session.root_frame()
    if root is None:
        return []
    totals: dict[tuple[str, str | None, int | None], float] = {}
    application: dict[tuple[str, str | None, int | None], bool] = {}
    pending: list[Frame] = [root]
    while pending:
        frame = pending.pop()
        pending.extend(frame.children)
        if frame.is_synthetic:
            continue
        key = (frame.function, frame.file_path_short, frame.line_no)
        totals[key] = totals.get(key, 0.0) + frame.total_self_time
        application[key] = frame.is_application_code
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)[:limit]
    return [
        HotFunction(
            function=function,
            file=file,
            line=line,
            self_seconds=round(seconds, 6),
            application=application[(function, file, line)],
        )
        for (function, file, line), seconds in ranked
        if seconds > 0
    ]
