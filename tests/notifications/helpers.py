from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import NotificationDelivery
from tests.factories import Tenant


async def make_channel(
    client: httpx.AsyncClient, tenant: Tenant, type_: str, config: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/monitoring/notification-channels",
        json={"name": f"{type_} {len(config)} {id(config)}", "type": type_, "config": config}
        | extra,
        headers=tenant.admin,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def deliveries(session: AsyncSession) -> list[NotificationDelivery]:
    session.expire_all()
    rows = await session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id))
    return list(rows)
