"""What `shiftplanner audit purge`, `webhooks purge` and `outbox purge` do: delete what is
older than its retention period."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.cli.output import console
from shiftplanner.config import Settings, get_settings
from shiftplanner.events import outbox
from shiftplanner.kit.text import counted
from shiftplanner.logging import configure_logging
from shiftplanner.runtime import Runtime
from shiftplanner.security.audit import service as audit_service
from shiftplanner.webhooks.deliveries import service as webhook_delivery_service

Purge = Callable[[async_sessionmaker[AsyncSession]], Awaitable[int]]


def audit(retention_days: int | None) -> None:
    settings = get_settings()
    days = retention_days or settings.audit_retention_days
    _purge(
        settings,
        days,
        ("audit entry", "audit entries"),
        lambda sessions: audit_service.purge(sessions, retention_days=days),
    )


def webhooks(retention_days: int | None) -> None:
    settings = get_settings()
    days = retention_days or settings.webhook_retention_days
    _purge(
        settings,
        days,
        ("webhook message", "webhook messages"),
        lambda sessions: webhook_delivery_service.purge(sessions, retention_days=days),
    )


def outbox_events(retention_days: int | None) -> None:
    settings = get_settings()
    days = retention_days or settings.outbox_retention_days
    _purge(
        settings,
        days,
        ("dispatched event", "dispatched events"),
        lambda sessions: outbox.purge(sessions, retention_days=days),
    )


def _purge(settings: Settings, days: int, what: tuple[str, str], purge: Purge) -> None:
    configure_logging(settings)

    async def run() -> int:
        runtime = Runtime.build(settings)
        try:
            with console.status(f"Deleting {what[1]} older than {counted(days, 'day')}"):
                return await purge(runtime.session_factory)
        finally:
            await runtime.close()

    deleted = asyncio.run(run())
    console.print(f"Deleted {counted(deleted, *what)} older than {counted(days, 'day')}.")
