"""Logging as an operator meets it: a failing request in development logs one short
traceback without holding up the other requests, and the libraries' lines (uvicorn's)
come out in the same structured form as ours."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog

from shiftplanner.app import create_app
from shiftplanner.config import Settings
from shiftplanner.logging import TRACEBACK_MAX_FRAMES, configure_logging
from tests.conftest import make_settings
from tests.logs import WrittenLogs

SECRET_LOCAL = "a-local-variable-nobody-should-read-in-a-log"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No database is touched: one backend is enough."""
    return make_settings(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")


def fail_deep(depth: int, payload: list[str]) -> None:
    if depth:
        fail_deep(depth - 1, payload)
        return
    raise RuntimeError("the failure under test")


async def longest_stall_while(work: asyncio.Future[Any], then: float) -> float:
    """The longest the event loop went without running this ticker, during `work` and
    `then` seconds after it (while the log line is being written)."""
    longest, last = 0.0, time.perf_counter()
    deadline = None
    while deadline is None or time.perf_counter() < deadline:
        await asyncio.sleep(0.005)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
        if deadline is None and work.done():
            deadline = now + then
    return longest


async def test_a_500_in_development_logs_one_short_traceback_off_the_event_loop(
    settings: Settings, written_logs: WrittenLogs
) -> None:
    # Metrics off: the rollups' last write at shutdown (into this test's database without
    # tables) would log a traceback of its own.
    development = settings.model_copy(
        update={"log_level": "info", "log_json": False, "metrics_enabled": False}
    )
    app = create_app(development)

    @app.get("/fail")
    async def fail() -> None:
        fail_deep(60, [SECRET_LOCAL] * 10_000)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            # FastAPI builds its routes on their first match: not what is measured here.
            assert (await http.get("/nothing-here")).status_code == 404
            request = asyncio.ensure_future(http.get("/fail"))
            stall = await longest_stall_while(request, then=1.0)
            assert (await request).status_code == 500

    text = written_logs.text()
    assert stall < 0.25, f"the event loop stood still for {stall:.2f} s"
    assert text.count("unhandled_error") == 1
    assert text.count("RuntimeError: the failure under test") == 1
    assert text.count('  File "') <= TRACEBACK_MAX_FRAMES, text
    assert SECRET_LOCAL not in text
    assert len(text.splitlines()) < 100, text


async def test_library_lines_are_json_lines_with_the_request_context(
    settings: Settings, written_logs: WrittenLogs
) -> None:
    configure_logging(settings.model_copy(update={"log_level": "info", "log_json": True}))
    structlog.contextvars.bind_contextvars(request_id="req-1")
    try:
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
        try:
            raise ValueError("broken")
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    finally:
        structlog.contextvars.clear_contextvars()

    started, failed = written_logs.events()
    assert started["event"] == "Started server process [42]"
    assert (started["logger"], started["level"], started["request_id"]) == (
        "uvicorn.error",
        "info",
        "req-1",
    )
    assert "timestamp" in started
    assert failed["level"] == "error"
    assert "ValueError: broken" in failed["exception"]
