"""What `shiftplanner audit purge` and `shiftplanner webhooks purge` do: delete what is
older than its retention period."""

from __future__ import annotations

import asyncio

from shiftplanner.cli.output import console
from shiftplanner.config import Settings, get_settings
from shiftplanner.kit.text import counted
from shiftplanner.logging import configure_logging
from shiftplanner.runtime import Runtime
from shiftplanner.security.audit import service as audit_service
from shiftplanner.webhooks.deliveries import service as webhook_delivery_service


def audit(retention_days: int | None) -> None:
    settings = get_settings()
    configure_logging(settings)
    days = retention_days or settings.audit_retention_days
    deleted = asyncio.run(_purge_audit(settings, days))
    console.print(
        f"Deleted {counted(deleted, 'audit entry', 'audit entries')} older than "
        f"{counted(days, 'day')}."
    )


async def _purge_audit(settings: Settings, days: int) -> int:
    runtime = Runtime.build(settings)
    try:
        with console.status(f"Deleting audit entries older than {counted(days, 'day')}"):
            return await audit_service.purge(runtime.session_factory, retention_days=days)
    finally:
        await runtime.close()


def webhooks(retention_days: int | None) -> None:
    settings = get_settings()
    configure_logging(settings)
    days = retention_days or settings.webhook_retention_days
    deleted = asyncio.run(_purge_webhooks(settings, days))
    console.print(
        f"Deleted {counted(deleted, 'webhook message')} older than {counted(days, 'day')}."
    )


async def _purge_webhooks(settings: Settings, days: int) -> int:
    runtime = Runtime.build(settings)
    try:
        with console.status(f"Deleting webhook messages older than {counted(days, 'day')}"):
            return await webhook_delivery_service.purge(
                runtime.session_factory, retention_days=days
            )
    finally:
        await runtime.close()
