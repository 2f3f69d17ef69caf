"""The `shiftplanner` command in a process of its own, as an operator runs it: shared by
the command-line tests and the README walk."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.databases import ROOT

COMMAND = [sys.executable, "-m", "shiftplanner.cli"]
# Cheap password hashing: these processes hash a password or two each.
FAST_HASHING = {
    "SHIFTPLANNER_PASSWORD_HASH_MEMORY_KIB": "8",
    "SHIFTPLANNER_PASSWORD_HASH_TIME_COST": "1",
    "SHIFTPLANNER_PASSWORD_HASH_PARALLELISM": "1",
}


def command_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without its SHIFTPLANNER_* variables, plus these."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")},
        "SHIFTPLANNER_DATABASE_URL": database_url,
        "SHIFTPLANNER_DATA_DIR": str(data_dir),
        **extra,
    }


def run(
    database_url: str,
    data_dir: Path,
    *args: str,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own command)
        [*COMMAND, *args],
        cwd=ROOT,
        env=command_env(database_url, data_dir, **FAST_HASHING, COLUMNS="200", **(env or {})),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stop(process: subprocess.Popen[Any], *, timeout: float = 5) -> None:
    """End a process of ours: asked first, killed if it does not end within `timeout`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self.stdout = ""
        self.stderr = ""

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serving(env: dict[str, str], *args: str, timeout: float = 30) -> Iterator[Server]:
    """`shiftplanner serve [args]` on a free loopback port, once it answers /health;
    stopped after, with what it printed in `Server.stdout` and `Server.stderr` (the log)."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [*COMMAND, "serve", *args],
        cwd=ROOT,
        env={**env, "SHIFTPLANNER_HOST": "127.0.0.1", "SHIFTPLANNER_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Server(process, port)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(f"{server.url}/health", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise AssertionError(
                        "the server exited early:\n" + "".join(process.communicate())
                    ) from None
                assert time.monotonic() < deadline, f"the server did not answer within {timeout} s"
                time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
        server.stdout, server.stderr = process.communicate(timeout=15)


@asynccontextmanager
async def serving_async(env: dict[str, str], *args: str) -> AsyncIterator[Server]:
    """`serving` for async tests: its waits (for /health, for the process to end) run in a
    thread, so the test's event loop goes on meanwhile. A blocked loop would hold any
    SQLite write lock its tasks had taken (the in-process app's workers), and the served
    process would wait for it at its start."""
    manager = serving(env, *args)
    server = await asyncio.to_thread(manager.__enter__)
    try:
        yield server
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)
