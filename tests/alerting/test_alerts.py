"""People handling alerts through the API: acknowledge, resolve by hand (which reopens at
the next evaluation if the condition still holds, and says so), silence, and the list
with its filters and history."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.time import utcnow
from shiftplanner.models import AlertStatus, Role
from shiftplanner.monitoring.rollups.buckets import floor_minute
from shiftplanner.runtime import Runtime
from tests.alerting.support import (
    T0,
    alerts_of,
    cpu,
    evaluate,
    events,
    history,
    in_app_channel,
    make_rule,
    minutes,
    notices,
)
from tests.factories import Tenant


async def test_acknowledge_once_and_only_a_firing_alert(
    client: httpx.AsyncClient, runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    rule = await make_rule(session, tenant.org, duration_minutes=2)
    await cpu(runtime, T0, 90)
    await evaluate(runtime, T0)
    [alert] = await alerts_of(session, rule.id)
    url = f"/monitoring/alerts/{alert.id}/acknowledge"

    pending = await client.post(url, headers=tenant.analyst)
    assert pending.status_code == 409, pending.text
    assert "pending" in pending.json()["detail"]

    await cpu(runtime, T0 + minutes(2), 90)
    await evaluate(runtime, T0 + minutes(2))
    acknowledged = await client.post(url, headers=tenant.analyst)
    assert acknowledged.status_code == 200, acknowledged.text
    body = acknowledged.json()
    assert body["status"] == "firing"
    assert body["acknowledgedByUserId"] == tenant.users[Role.ANALYST].id
    assert body["acknowledgedAt"] is not None
    again = await client.post(url, headers=tenant.manager)
    assert again.status_code == 409
    assert "already" in again.json()["detail"]

    detail = (await client.get(f"/monitoring/alerts/{alert.id}", headers=tenant.analyst)).json()
    assert [entry["kind"] for entry in detail["history"]] == ["pending", "firing", "acknowledged"]
    assert detail["history"][-1]["actorUserId"] == tenant.users[Role.ANALYST].id
    assert await events(session, tenant.org.id) == ["alert.triggered", "alert.acknowledged"]

    await cpu(runtime, T0 + minutes(3), 10)
    await evaluate(runtime, T0 + minutes(3))
    resolved = await client.post(url, headers=tenant.admin)
    assert resolved.status_code == 409
    assert "resolved" in resolved.json()["detail"]


async def test_a_manual_resolve_of_a_true_condition_reopens_and_says_so(
    client: httpx.AsyncClient, runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    user = tenant.users[Role.MANAGER]
    channel = await in_app_channel(session, tenant.org, user)
    rule = await make_rule(session, tenant.org, channel_ids=[channel.id])
    await cpu(runtime, T0, 90)
    await evaluate(runtime, T0)
    [alert] = await alerts_of(session, rule.id)

    response = await client.post(f"/monitoring/alerts/{alert.id}/resolve", headers=tenant.manager)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["resolution"], body["reopenCheck"]) == ("resolved", "manual", True)
    assert "reopens" in body["message"]
    assert body["resolvedByUserId"] == user.id

    await cpu(runtime, T0 + minutes(1), 92)
    await evaluate(runtime, T0 + minutes(1))
    [reopened] = await alerts_of(session, rule.id)
    assert (reopened.id, reopened.status, reopened.reopen_check) == (
        alert.id,
        AlertStatus.FIRING,
        False,
    )
    assert (reopened.resolved_at, reopened.resolution, reopened.value) == (None, None, 92.0)
    kinds = await history(session, alert.id)
    assert kinds == ["firing", "notified", "resolved", "notified", "reopened", "notified"]
    sent = await notices(session, alert.id)
    assert [kind for kind, _ in sent] == ["alert.firing", "alert.resolved", "alert.reopened"]
    feed = await client.get("/api/notifications", headers=tenant.manager)
    if feed.status_code == 200:
        [latest, *_] = feed.json()["items"]
        assert "still holds" in latest["body"]

    # Resolved again, then the condition clears: it stays resolved, and the second
    # resolved notice still goes out (a new episode).
    await client.post(f"/monitoring/alerts/{alert.id}/resolve", headers=tenant.manager)
    await cpu(runtime, T0 + minutes(2), 10)
    await evaluate(runtime, T0 + minutes(2))
    [final] = await alerts_of(session, rule.id)
    assert (final.status, final.reopen_check) == (AlertStatus.RESOLVED, False)
    assert [kind for kind, _ in await notices(session, alert.id)].count("alert.resolved") == 2


async def test_a_manual_resolve_of_a_cleared_condition_stays_resolved(
    client: httpx.AsyncClient, runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    rule = await make_rule(session, tenant.org, keep_firing_minutes=10)
    await cpu(runtime, T0, 90)
    await evaluate(runtime, T0)
    await cpu(runtime, T0 + minutes(1), 10)
    await evaluate(runtime, T0 + minutes(1))  # kept firing, but no longer true
    [alert] = await alerts_of(session, rule.id)
    response = await client.post(f"/monitoring/alerts/{alert.id}/resolve", headers=tenant.admin)
    assert response.json()["reopenCheck"] is False
    assert response.json()["message"] == "Resolved."
    await cpu(runtime, T0 + minutes(2), 95)
    await evaluate(runtime, T0 + minutes(2))
    first, second = await alerts_of(session, rule.id)
    assert (first.status, second.status) == (AlertStatus.RESOLVED, AlertStatus.FIRING)


async def test_a_silenced_alert_changes_state_without_notices(
    client: httpx.AsyncClient, runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    # Silences run on the real clock: this test's moments are near it.
    t0 = floor_minute(utcnow()) + timedelta(seconds=20)
    user = tenant.users[Role.ADMIN]
    channel = await in_app_channel(session, tenant.org, user)
    timed = await make_rule(
        session, tenant.org, name="timed", duration_minutes=2, channel_ids=[channel.id]
    )
    await cpu(runtime, t0, 90)
    await evaluate(runtime, t0)
    [alert] = await alerts_of(session, timed.id)

    refused = await client.post(
        f"/monitoring/alerts/{alert.id}/silence",
        json={"minutes": 5, "untilResolved": True},
        headers=tenant.manager,
    )
    assert refused.status_code == 422
    silenced = await client.post(
        f"/monitoring/alerts/{alert.id}/silence", json={"minutes": 5}, headers=tenant.manager
    )
    assert silenced.status_code == 200, silenced.text
    assert silenced.json()["silencedByUserId"] == tenant.users[Role.MANAGER].id

    # It fires during the silence: no notice.
    for minute in (2, 3):
        await cpu(runtime, t0 + minutes(minute), 90)
        await evaluate(runtime, t0 + minutes(minute))
    [alert] = await alerts_of(session, timed.id)
    assert alert.status is AlertStatus.FIRING
    assert await notices(session, alert.id) == []
    # The silence runs out while it still fires: the firing notice goes out then, once.
    for minute in (5, 6):
        await cpu(runtime, t0 + minutes(minute), 90)
        await evaluate(runtime, t0 + minutes(minute))
    assert await notices(session, alert.id) == [("alert.firing", str(user.id))]
    assert "unsilenced" in await history(session, alert.id)

    # Silenced until resolved: resolving sends nothing.
    response = await client.post(
        f"/monitoring/alerts/{alert.id}/silence", json={"untilResolved": True}, headers=tenant.admin
    )
    assert response.json()["silencedUntilResolved"] is True
    await cpu(runtime, t0 + minutes(7), 10)
    await evaluate(runtime, t0 + minutes(7))
    [alert] = await alerts_of(session, timed.id)
    assert alert.status is AlertStatus.RESOLVED
    assert await notices(session, alert.id) == [("alert.firing", str(user.id))]
    assert await events(session, tenant.org.id) == [
        "alert.silenced",
        "alert.triggered",
        "alert.silenced",
        "alert.resolved",
    ]
    again = await client.post(
        f"/monitoring/alerts/{alert.id}/silence", json={"minutes": 5}, headers=tenant.admin
    )
    assert again.status_code == 409


async def test_the_list_filters_and_pages_newest_first(
    client: httpx.AsyncClient, runtime: Runtime, session: AsyncSession, tenant: Tenant
) -> None:
    high = await make_rule(session, tenant.org, name="high")
    low = await make_rule(session, tenant.org, name="low", severity="LOW", duration_minutes=5)
    await cpu(runtime, T0, 90)
    await evaluate(runtime, T0)
    [fired] = await alerts_of(session, high.id)
    [waiting] = await alerts_of(session, low.id)

    async def ids(**params: str) -> list[int]:
        response = await client.get("/monitoring/alerts", params=params, headers=tenant.analyst)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [waiting.id, fired.id]
    assert await ids(severity="HIGH") == [fired.id]
    assert await ids(status="pending") == [waiting.id]
    assert await ids(resolved="false") == [waiting.id, fired.id]
    assert await ids(resolved="true") == []
    first = (await client.get("/monitoring/alerts?limit=1", headers=tenant.admin)).json()
    assert [item["id"] for item in first["items"]] == [waiting.id]
    rest = await client.get(
        "/monitoring/alerts",
        params={"limit": 1, "cursor": first["next_cursor"]},
        headers=tenant.admin,
    )
    assert [item["id"] for item in rest.json()["items"]] == [fired.id]
    page = await client.get(f"/monitoring/alerts/{fired.id}/history", headers=tenant.admin)
    assert [entry["kind"] for entry in page.json()["items"]] == ["firing"]
    viewer = await client.get("/monitoring/alerts", headers=tenant.viewer)
    assert viewer.status_code == 403
