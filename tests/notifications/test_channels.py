"""Channel CRUD: each type's config validated, URLs masked, a webhook's secret shown
once, changes emitted as events, queued deliveries cancelled with their channel."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import ChannelType, DeliveryStatus, OutboxEvent, Role
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.notifications.messages import Message, Recipient
from tests.factories import Tenant
from tests.notifications.helpers import deliveries, make_channel

URL = "/monitoring/notification-channels"


BAD_CONFIGS: list[tuple[str, dict[str, Any], str]] = [
    ("email", {"to": ["not-an-address"]}, "#/config/to/0"),
    ("email", {"to": []}, "#/config/to"),
    ("email", {"url": "https://example.com"}, "#/config/to"),
    ("slack", {"url": "http://hooks.example.com/x"}, "#/config/url"),
    ("slack", {"url": "https://user:pw@hooks.example.com/x"}, "#/config/url"),
    ("webhook", {"url": "ftp://example.com/x"}, "#/config/url"),
    ("webhook", {"url": "https://example.com/…"}, "#/config/url"),
    ("sms", {"to": ["07700900123"]}, "#/config/to/0"),
    ("in_app", {"userIds": [999999]}, "#/config/userIds/0"),
]


async def test_a_config_that_does_not_fit_its_type_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for type_, config, pointer in BAD_CONFIGS:
        response = await client.post(
            URL, json={"name": "bad", "type": type_, "config": config}, headers=tenant.admin
        )
        assert response.status_code == 422, (type_, config, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["pointer"] == pointer, (type_, config)
    assert (await client.get(URL, headers=tenant.admin)).json()["items"] == []


async def test_an_in_app_channel_names_only_users_of_the_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = other_tenant.users[Role.ADMIN].id
    response = await client.post(
        URL,
        json={"name": "feed", "type": "in_app", "config": {"userIds": [foreign]}},
        headers=tenant.admin,
    )
    assert response.status_code == 422, response.text
    own = tenant.users[Role.ANALYST].id
    created = await make_channel(client, tenant, "in_app", {"userIds": [own, own]})
    assert created["config"] == {"userIds": [own]}
    assert created["secret"] is None


async def test_crud_with_names_versions_and_events(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    # A host that resolves without a DNS server (a URL's host must resolve when saved).
    created = await make_channel(
        client, tenant, "slack", {"url": "https://localhost/services/T0/B0/secret"}
    )
    assert created["config"] == {"url": "https://localhost/…"}
    assert (created["enabled"], created["version"], created["type"]) == (True, 1, "slack")
    assert "createdAt" in created
    again = await client.post(
        URL,
        json={"name": created["name"], "type": "email", "config": {"to": ["a@example.com"]}},
        headers=tenant.admin,
    )
    assert again.status_code == 409
    path = f"{URL}/{created['id']}"
    changed = await client.patch(
        path, json={"enabled": False, "name": "Ops Slack", "version": 1}, headers=tenant.admin
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["enabled"], changed.json()["version"]) == (False, 2)
    stale = await client.patch(path, json={"enabled": True, "version": 1}, headers=tenant.admin)
    assert stale.status_code == 409
    bad = await client.patch(
        path, json={"config": {"url": "http://x.example"}}, headers=tenant.admin
    )
    assert bad.status_code == 422
    moved = await client.patch(
        path, json={"config": {"url": "https://localhost/services/T1"}}, headers=tenant.admin
    )
    assert moved.status_code == 200, moved.text
    assert (await client.get(path, headers=tenant.admin)).json()["name"] == "Ops Slack"
    assert (await client.delete(path, headers=tenant.admin)).status_code == 204
    assert (await client.get(path, headers=tenant.admin)).status_code == 404
    events = (
        await session.scalars(
            select(OutboxEvent.event_type)
            .where(OutboxEvent.resource_type == "notification_channel")
            .order_by(OutboxEvent.id)
        )
    ).all()
    assert events == [
        "notification_channel.created",
        "notification_channel.updated",
        "notification_channel.updated",
        "notification_channel.deleted",
    ]
    # The URL is a secret: the events (and so the audit log) carry it masked.
    payloads = (await session.scalars(select(OutboxEvent.payload))).all()
    assert "/services/" not in str(payloads)


async def test_only_webhooks_rotate_secrets_and_managers_cannot_touch_channels(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    email = await make_channel(client, tenant, "email", {"to": ["a@example.com"]})
    rotate = await client.post(f"{URL}/{email['id']}/rotate-secret", headers=tenant.admin)
    assert rotate.status_code == 409
    assert (await client.get(URL, headers=tenant.manager)).status_code == 403


async def test_deleting_or_disabling_a_channel_stops_what_is_queued_for_it(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Any
) -> None:
    doomed = await make_channel(client, tenant, "email", {"to": ["a@example.com"]})
    paused = await make_channel(client, tenant, "sms", {"to": ["+447700900123"]})
    message = Message(kind="alert.firing", subject="s", text="t")
    await delivery_service.enqueue(
        session,
        org_id=tenant.org.id,
        message=message,
        recipients=[
            Recipient(ChannelType.EMAIL, "a@example.com", channel_id=doomed["id"]),
            Recipient(ChannelType.SMS, "+447700900123", channel_id=paused["id"]),
        ],
    )
    await session.commit()
    await client.delete(f"{URL}/{doomed['id']}", headers=tenant.admin)
    await client.patch(f"{URL}/{paused['id']}", json={"enabled": False}, headers=tenant.admin)
    await runtime.delivery_worker.run_once()
    rows = await deliveries(session)
    assert [(d.status, d.last_error) for d in rows] == [
        (DeliveryStatus.CANCELLED, "The channel was deleted."),
        (DeliveryStatus.CANCELLED, "The channel was disabled."),
    ]
