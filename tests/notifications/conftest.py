from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import SecretStr

from shiftplanner.config import Settings, SmtpSecurity
from tests.conftest import make_settings
from tests.receivers import HttpReceiver, SmtpServer

SMS_SID = "AC123"
SMS_TOKEN = "sms-token-123"
SMS_FROM = "+15005550006"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> SmtpServer:
    smtp_server.messages.clear()
    return smtp_server


@pytest.fixture
async def receiver() -> AsyncIterator[HttpReceiver]:
    http = HttpReceiver()
    await http.start()
    yield http
    await http.close()


@pytest.fixture
def settings(database_url: str, smtp_server: SmtpServer, receiver: HttpReceiver) -> Settings:
    return make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security=SmtpSecurity.NONE,
        smtp_from="ShiftPlanner <alerts@example.com>",
        sms_api_url=f"{receiver.url}/sms",
        sms_account_sid=SMS_SID,
        sms_auth_token=SecretStr(SMS_TOKEN),
        sms_from=SMS_FROM,
        notification_timeout_seconds=2.0,
        notification_retry_base_seconds=10.0,
        notification_max_attempts=3,
        # The running worker must be woken by commits (tests that start it rely on this).
        notification_poll_interval_seconds=30.0,
        public_url="https://shiftplanner.example.com",
    )
