"""Stopping `shiftplanner serve` while pages listen: their streams end at once (the pages
reconnect to another process), so the stop neither waits on them nor cancels them."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx

from tests.subprocesses import FAST_HASHING, command_env, serving

EMAIL, PASSWORD = "ops@example.com", "an operator password"


def test_stopping_the_server_ends_its_streams_at_once(database_url: str, tmp_path: Path) -> None:
    env = command_env(
        database_url,
        tmp_path / "data",
        **FAST_HASHING,
        SHIFTPLANNER_ADMIN_EMAIL=EMAIL,
        SHIFTPLANNER_ADMIN_PASSWORD=PASSWORD,
    )
    with serving(env) as server:
        signed_in = httpx.post(
            f"{server.url}/api/auth/login", json={"email": EMAIL, "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        with httpx.stream("GET", f"{server.url}/api/events", headers=headers, timeout=10) as stream:
            assert stream.status_code == 200
            lines = stream.iter_lines()
            assert next(lines) == "event: ping"
            stopped = time.monotonic()
            server.process.terminate()
            rest = list(lines)  # until the server ends the stream
            ended_after = time.monotonic() - stopped
        server.process.wait(timeout=15)
        exited_after = time.monotonic() - stopped
    assert rest[-1:] == [""], rest
    assert ended_after < 3, ended_after
    assert exited_after < 5, exited_after
    # uvicorn hands the signal on once it has shut down.
    assert server.process.returncode in (0, -signal.SIGTERM), server.output
    assert "timeout graceful shutdown" not in server.output
    assert "Exception in ASGI application" not in server.output
