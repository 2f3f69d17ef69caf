"""The app under a real uvicorn server (an event stream never ends, so an in-memory
transport that waits for the whole answer cannot read one), with live updates on and
polling often, and a client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from shiftplanner.config import Settings
from tests.live.support import Served, served


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"live_enabled": True, "live_poll_interval_seconds": 0.05})


@pytest.fixture
async def server(live_settings: Settings) -> AsyncIterator[Served]:
    async with served(live_settings) as running:
        yield running


@pytest.fixture
async def http(server: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with server.client() as client:
        yield client
