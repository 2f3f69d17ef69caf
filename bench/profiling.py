"""py-spy on a served process during one phase of a benchmark, and where its event loop's
time went: how busy the loop was, by library (the innermost frame), the functions with
the most time of their own, and ShiftPlanner's functions with what they call."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

RATE = 200  # samples a second

# Where a sample's innermost frame is, by the library it belongs to.
KINDS = (
    ("HTTP client (httpx, httpcore, anyio, h11)", ("httpx/", "httpcore/", "anyio/", "h11/")),
    ("failed imports (importlib path search)", ("<frozen importlib", "_distutils_hack/")),
    ("database (SQLAlchemy, driver)", ("sqlalchemy/", "asyncpg/", "aiosqlite/", "sqlite3/")),
    ("event loop and sockets", ("asyncio/", "uvloop/", "selectors.py", "socket.py")),
    ("ShiftPlanner", ("shiftplanner/",)),
    ("logging, metrics", ("structlog/", "logging/", "prometheus_client/")),
)


def summary(raw: Path, seconds: float, count: int = 8) -> list[str]:
    """Where the event loop's time went, from py-spy's collapsed stacks (`frame;frame;...
    samples` a line): how busy it was, by library (innermost frame), the functions
    with the most own time, and ours with what they call."""
    kinds: Counter[str] = Counter()
    own: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        frames = stack.split(";")
        # The event loop runs in the main thread; the others wait for SQLite or DNS.
        if not samples.isdigit() or "Thread._bootstrap" in frames[0]:
            continue
        n = int(samples)
        total += n
        leaf = frames[-1]
        kinds[next((k for k, marks in KINDS if any(m in leaf for m in marks)), "other")] += n
        own[_short(leaf)] += n
        seen = {_short(f) for f in frames if "shiftplanner/" in f and "/cli/" not in f}
        for index, frame in enumerate(frames[:-1]):
            if (
                "shiftplanner/" in frame
                and "/cli/" not in frame
                and "shiftplanner/" not in frames[index + 1]
            ):
                seen.add(_short(frames[index + 1]))  # what our code called
        for frame in seen:
            ours[frame] += n
    if not total:
        return ["py-spy took no samples"]
    busy = total / (seconds * RATE)
    lines = [f"event loop busy {busy:.0%} of {seconds:.1f} s ({total} samples); by library:"]
    lines += [f"  {n / total:6.1%}  {kind}" for kind, n in kinds.most_common()]
    lines.append("own time:")
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in own.most_common(count)]
    lines.append("our functions and what they call (inclusive):")
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in ours.most_common(count * 2)]
    return lines


def _short(frame: str) -> str:
    """`name (package/file.py:line)` of py-spy's `name (/full/path/file.py:line)`."""
    name, _, where = frame.rpartition(" (")
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where}"


@asynccontextmanager
async def recorded(pid: int, raw: Path, lines: list[str]) -> AsyncIterator[None]:
    """py-spy records `pid` into `raw` (collapsed stacks) while the block runs; then
    `lines` gets the summary. py-spy pauses the process for each sample: without the
    pause (`--nonblocking`) a stack read while it changes comes out cut short, and the
    event loop's share is overstated."""
    raw.parent.mkdir(parents=True, exist_ok=True)
    spy = await asyncio.create_subprocess_exec(
        shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")),
        *("record", "--pid", str(pid), "--rate", str(RATE)),
        *("--format", "raw", "--output", str(raw)),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    started = time.monotonic()
    try:
        yield
    finally:
        seconds = time.monotonic() - started
        spy.send_signal(signal.SIGINT)
        await asyncio.wait_for(spy.wait(), 60)
    lines += summary(raw, seconds)
    lines.append(f"collapsed stacks in {raw}")
