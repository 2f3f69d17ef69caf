"""Old finished deliveries go, with their messages and attempts; pending ones stay."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.signing import new_secret
from shiftplanner.kit.time import utcnow
from shiftplanner.models import (
    AttemptTrigger,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookMessage,
)
from shiftplanner.runtime import Runtime
from shiftplanner.webhooks.deliveries.service import purge
from tests.conftest import TEST_SECRET
from tests.databases import ROOT
from tests.factories import Tenant
from tests.subprocesses import command_env


async def arrange(session: AsyncSession, tenant: Tenant) -> None:
    """Messages 40, 31 and 1 days old, each delivered (one attempt), and a 40-day-old one
    still retrying."""
    endpoint = WebhookEndpoint(
        org_id=tenant.org.id,
        name="hook",
        url="https://example.com/",
        events=["*"],
        secret=new_secret(),
    )
    session.add(endpoint)
    await session.flush()
    now = utcnow()
    for days, status in ((40, "succeeded"), (31, "failed"), (1, "succeeded"), (40, "pending")):
        at = now - timedelta(days=days)
        message = WebhookMessage(
            org_id=tenant.org.id, event_type=f"age.{days}.{status}", body="{}", created_at=at
        )
        session.add(message)
        await session.flush()
        delivery = WebhookDelivery(
            org_id=tenant.org.id,
            endpoint_id=endpoint.id,
            message_id=message.id,
            event_type=message.event_type,
            status=WebhookDeliveryStatus(status),
            attempts=1,
            created_at=at,
        )
        session.add(delivery)
        await session.flush()
        session.add(
            WebhookAttempt(
                org_id=tenant.org.id,
                delivery_id=delivery.id,
                attempt=1,
                trigger=AttemptTrigger.SCHEDULED,
                started_at=at,
                duration_ms=3.0,
                succeeded=status == "succeeded",
            )
        )
    await session.commit()


async def kept(session: AsyncSession) -> tuple[list[str], int, int]:
    session.expire_all()
    types = list(
        await session.scalars(select(WebhookMessage.event_type).order_by(WebhookMessage.id))
    )
    deliveries = await session.scalar(select(func.count()).select_from(WebhookDelivery))
    attempts = await session.scalar(select(func.count()).select_from(WebhookAttempt))
    return types, int(deliveries or 0), int(attempts or 0)


async def test_purge_keeps_recent_and_pending_deliveries(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    await arrange(session, tenant)
    assert await purge(runtime.session_factory, retention_days=30) == 2
    assert await kept(session) == (["age.1.succeeded", "age.40.pending"], 2, 2)
    assert await purge(runtime.session_factory, retention_days=30) == 0


async def test_the_cli_purges_old_deliveries(
    session: AsyncSession, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    await arrange(session, tenant)
    env = command_env(database_url, tmp_path, SHIFTPLANNER_JWT_SECRET=TEST_SECRET, COLUMNS="200")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "shiftplanner.cli", "webhooks", "purge", "--retention-days", "30"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert "Deleted 2 webhook messages older than 30 days" in stdout.decode()
    assert (await kept(session))[0] == ["age.1.succeeded", "age.40.pending"]
