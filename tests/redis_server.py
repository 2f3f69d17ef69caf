"""A Redis server of a test's own, on a loopback port, that the test may kill (to see
what the service does without it) and start again."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable

from tests.conftest import service_unavailable


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    """Whether `check` holds within `seconds` (polled, bounded in count and time)."""
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds * 20)):
        if await check():
            return True
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    return False


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
        return port


def start_redis(port: int) -> subprocess.Popen[bytes]:
    """A Redis of the test's own, on a loopback port, that it may kill."""
    executable = shutil.which("redis-server")
    if executable is None:
        service_unavailable("redis-server", FileNotFoundError("redis-server"))
    command = [str(executable), "--port", str(port), "--bind", "127.0.0.1"]
    return subprocess.Popen(  # noqa: S603 (our own command)
        [*command, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True
