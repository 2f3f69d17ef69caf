"""What webhooks tell people: the alerting metric `webhookFailureRate` per subscription,
and the admins hearing of an endpoint the service disabled."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.time import utcnow
from shiftplanner.models import AlertStatus, Notification, Role
from shiftplanner.runtime import Runtime
from tests.alerting.support import alerts_of, evaluate, make_rule
from tests.factories import Tenant
from tests.receivers import HttpReceiver
from tests.webhooks.support import flush, subscribe


async def change_team(client: httpx.AsyncClient, tenant: Tenant, name: str) -> None:
    response = await client.patch(
        f"/api/teams/{tenant.team.id}", json={"name": name}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text


async def test_a_failing_subscription_fires_the_failure_rate_rule_for_itself_only(
    client: httpx.AsyncClient,
    runtime: Runtime,
    session: AsyncSession,
    tenant: Tenant,
    receiver: HttpReceiver,
) -> None:
    failing = HttpReceiver(statuses=[500] * 10)
    await failing.start()
    try:
        await subscribe(client, tenant, failing.url, ["team.*"], name="Broken CRM")
        await subscribe(client, tenant, receiver.url, ["team.*"], name="Calendar")
        for n in range(3):
            await change_team(client, tenant, f"Team {n}")
        await flush(runtime)
    finally:
        await failing.close()
    rule = await make_rule(
        session,
        tenant.org,
        name="Webhooks failing",
        metric="webhookFailureRate",
        threshold=50,
        window_minutes=60,
    )

    await evaluate(runtime, utcnow())

    [alert] = await alerts_of(session, rule.id)
    assert alert.status is AlertStatus.FIRING
    assert alert.labels == {"subscription": "Broken CRM"}
    assert alert.value == 100.0


async def test_the_admins_hear_of_an_endpoint_the_service_disabled(
    client: httpx.AsyncClient,
    runtime: Runtime,
    session: AsyncSession,
    tenant: Tenant,
) -> None:
    gone = HttpReceiver(statuses=[410])
    await gone.start()
    try:
        hook = await subscribe(client, tenant, gone.url, ["team.*"], name="Old HR sync")
        await change_team(client, tenant, "Renamed")
        await flush(runtime)
    finally:
        await gone.close()
    # The endpoint.disabled event reaches the notifications consumer.
    await flush(runtime)

    shown = (await client.get(f"/monitoring/webhooks/{hook['id']}", headers=tenant.admin)).json()
    assert shown["enabled"] is False
    assert "410" in shown["disabledReason"]
    admin_id, org_id = tenant.users[Role.ADMIN].id, tenant.org.id
    session.expire_all()
    feed = list(await session.scalars(select(Notification).where(Notification.org_id == org_id)))
    told = {
        notification.user_id for notification in feed if notification.kind == "webhook.disabled"
    }
    assert told == {admin_id}
    [notice] = [n for n in feed if n.kind == "webhook.disabled"]
    assert "Old HR sync" in notice.title
    assert "410" in notice.body
    assert str(notice.link).endswith("/operations#ops-webhooks")
