from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shiftplanner.config import Settings
from tests.conftest import make_settings
from tests.receivers import HttpReceiver


@pytest.fixture
async def receiver() -> AsyncIterator[HttpReceiver]:
    http = HttpReceiver()
    await http.start()
    yield http
    await http.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Development (the tests' default) lets webhooks reach this machine's receivers. The
    # receivers share the test's event loop: the timeout outlasts any stall of a busy
    # machine, so that only the tests that mean to see a timeout see one.
    return make_settings(database_url, webhook_timeout_seconds=10.0)
