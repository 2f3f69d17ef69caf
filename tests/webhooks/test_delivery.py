from __future__ import annotations

import json

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from shiftplanner.models import WebhookDeliveryStatus
from shiftplanner.runtime import Runtime
from tests.factories import Tenant
from tests.receivers import HttpReceiver
from tests.webhooks.support import deliveries, flush, subscribe


async def test_a_change_reaches_a_subscriber_signed_the_standard_webhooks_way(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    session: AsyncSession,
    receiver: HttpReceiver,
) -> None:
    hook = await subscribe(client, tenant, receiver.url + "/hooks", ["team.*"])
    created = await client.post(
        "/api/teams", json={"name": "Night", "code": "NGT", "timezone": "UTC"}, headers=tenant.admin
    )
    assert created.status_code == 201, created.text

    assert await flush(runtime) == 1

    [request] = receiver.requests
    body = Webhook(hook["secret"]).verify(request.body, request.headers)
    assert body["type"] == "team.created"
    assert body["data"]["id"] == created.json()["id"]
    assert request.path == "/hooks"
    [delivery] = await deliveries(session)
    assert delivery.status is WebhookDeliveryStatus.SUCCEEDED
    assert request.headers["webhook-id"] == delivery.webhook_id
    assert json.loads(request.body)["timestamp"]
