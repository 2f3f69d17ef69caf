"""The processes a benchmark measures: the service (`shiftplanner serve`, production
settings, its log written to a file) over a database seeded with the demo, and the bare
app beside it. Both run with the same uvicorn loop and parser."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.subprocesses import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
SHIFTPLANNER = [sys.executable, "-m", "shiftplanner.cli"]
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "bench admin passphrase 2026"
JWT_SECRET = secrets.token_urlsafe(48)


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    pid: int


def service_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """Production settings, limits far above what a benchmark sends (the limiter still
    counts every request, as it does in production)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")},
        "SHIFTPLANNER_ENV": "production",
        "SHIFTPLANNER_JWT_SECRET": JWT_SECRET,
        "SHIFTPLANNER_JWT_ACCESS_TTL_SECONDS": "7200",
        "SHIFTPLANNER_DATABASE_URL": database_url,
        "SHIFTPLANNER_DATA_DIR": str(data_dir),
        "SHIFTPLANNER_ADMIN_EMAIL": ADMIN_EMAIL,
        "SHIFTPLANNER_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SHIFTPLANNER_RATE_LIMIT_READ": "100000000/minute",
        "SHIFTPLANNER_RATE_LIMIT_WRITE": "100000000/minute",
        "SHIFTPLANNER_RATE_LIMIT_LOGIN": "100000000/minute",
        "SHIFTPLANNER_GENERATION_RUNNER_ENABLED": "false",
        **extra,
    }


def seed(env: dict[str, str]) -> None:
    """Migrate and seed the demo organization (once; it is idempotent)."""
    for command in (["db", "upgrade"], ["demo", "--if-empty"]):
        subprocess.run(  # noqa: S603 (our own command)
            [*SHIFTPLANNER, *command], cwd=ROOT, env=env, capture_output=True, check=True
        )


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server ended at start:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within 60 s:\n{log.read_text()[-3000:]}")


@contextmanager
def _process(command: list[str], env: dict[str, str], log: Path, url: str) -> Iterator[Server]:
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            command, cwd=ROOT, env=env, stdout=output, stderr=output
        )
        try:
            _wait_healthy(url, process, log)
            yield Server(url, process.pid)
        finally:
            stop(process, timeout=10)


@contextmanager
def service(env: dict[str, str], log: Path, *, workers: int = 1) -> Iterator[Server]:
    port = free_port()
    command = [*SHIFTPLANNER, "serve", "--port", str(port), "--workers", str(workers)]
    with _process(command, env, log, f"http://127.0.0.1:{port}") as server:
        yield server


@contextmanager
def bare(body: Path, log: Path) -> Iterator[Server]:
    """The bare app, serving `body` at /bare (its /health is a 404: it answers)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.load.bare:app", "--port", str(port)]
    command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    command += ["--log-level", "warning"]
    env = {**os.environ, "BENCH_BARE_BODY": str(body)}
    with _process(command, env, log, f"http://127.0.0.1:{port}") as server:
        yield server


def wait_until_quiet(database_url: str, *, seconds: float = 300) -> int:
    """Wait until the service has handed every event in the outbox on (the demo's seeding
    leaves thousands, which the dispatcher works through in the background and which
    would otherwise be measured with the requests); returns how many were left."""

    async def pending() -> int:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                left = await connection.scalar(
                    text("SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL")
                )
        finally:
            await engine.dispose()
        return int(left or 0)

    deadline = time.monotonic() + seconds
    left = asyncio.run(pending())
    while left and time.monotonic() < deadline:
        time.sleep(1)
        left = asyncio.run(pending())
    return left


def sign_in(url: str) -> str:
    """`Authorization` header value of the demo admin."""
    response = httpx.post(
        f"{url}/api/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    return f"Bearer {response.json()['access_token']}"
