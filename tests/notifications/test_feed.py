"""The in-app feed: one's own notifications only, newest first, unread counts, marking
read; and the email preference."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import ChannelType, Role
from shiftplanner.notifications.deliveries import service as delivery_service
from shiftplanner.notifications.messages import Message, Recipient
from tests.factories import Tenant

FEED = "/api/notifications"


async def notify(session: AsyncSession, tenant: Tenant, role: Role, count: int) -> None:
    user = tenant.users[role]
    for index in range(count):
        await delivery_service.enqueue(
            session,
            org_id=tenant.org.id,
            message=Message(kind="schedule.changed", subject=f"Change {index}", text="t"),
            recipients=[Recipient(ChannelType.IN_APP, str(user.id), user_id=user.id)],
        )
    await session.commit()


async def test_the_feed_pages_newest_first_counts_unread_and_marks_read(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    await notify(session, tenant, Role.ANALYST, 5)
    await notify(session, tenant, Role.MANAGER, 1)
    headers = tenant.analyst
    first = await client.get(FEED, params={"limit": 3}, headers=headers)
    assert [n["title"] for n in first.json()["items"]] == ["Change 4", "Change 3", "Change 2"]
    rest = await client.get(
        FEED, params={"limit": 3, "cursor": first.json()["next_cursor"]}, headers=headers
    )
    assert [n["title"] for n in rest.json()["items"]] == ["Change 1", "Change 0"]
    assert rest.json()["next_cursor"] is None
    count = await client.get(f"{FEED}/unread-count", headers=headers)
    assert count.json() == {"unread": 5}
    newest = first.json()["items"][0]
    read = await client.post(f"{FEED}/{newest['id']}/read", headers=headers)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    again = await client.post(f"{FEED}/{newest['id']}/read", headers=headers)
    assert again.json()["read_at"] == read.json()["read_at"]
    assert (await client.get(f"{FEED}/unread-count", headers=headers)).json() == {"unread": 4}
    unread = await client.get(FEED, params={"unread": "true"}, headers=headers)
    assert len(unread.json()["items"]) == 4
    done = await client.get(FEED, params={"unread": "false"}, headers=headers)
    assert [n["id"] for n in done.json()["items"]] == [newest["id"]]
    assert (await client.post(f"{FEED}/read-all", headers=headers)).json() == {"marked": 4}
    assert (await client.get(f"{FEED}/unread-count", headers=headers)).json() == {"unread": 0}
    # The manager's own stays unread.
    assert (await client.get(f"{FEED}/unread-count", headers=tenant.manager)).json() == {
        "unread": 1
    }


async def test_another_users_notification_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    await notify(session, tenant, Role.MANAGER, 1)
    (theirs,) = (await client.get(FEED, headers=tenant.manager)).json()["items"]
    response = await client.post(f"{FEED}/{theirs['id']}/read", headers=tenant.analyst)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get(FEED, headers=tenant.analyst)).json()["items"] == []
    assert (await client.get(f"{FEED}/unread-count", headers=tenant.manager)).json() == {
        "unread": 1
    }


async def test_an_api_key_has_no_feed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await client.post(
        "/api/api-keys", json={"name": "bot", "role": "admin"}, headers=tenant.admin
    )
    response = await client.get(FEED, headers={"X-API-Key": created.json()["key"]})
    assert response.status_code == 403


async def test_preferences_default_off_and_are_ones_own(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    path = f"{FEED}/preferences"
    assert (await client.get(path, headers=tenant.analyst)).json() == {
        "email_schedule_changes": False
    }
    put = await client.put(path, json={"email_schedule_changes": True}, headers=tenant.analyst)
    assert put.status_code == 200
    assert put.json() == {"email_schedule_changes": True}
    assert (await client.get(path, headers=tenant.analyst)).json()["email_schedule_changes"]
    assert not (await client.get(path, headers=tenant.manager)).json()["email_schedule_changes"]
    bad = await client.put(
        path, json={"email_schedule_changes": "sometimes"}, headers=tenant.analyst
    )
    assert bad.status_code == 422
