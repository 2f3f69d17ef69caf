"""Calendar feeds through the API: who may make a feed of whom, the URL shown once and
stored as a digest, listing, regeneration (the old URL stops at once), revocation, and
the feed's dependence on its creator."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.calendar_feeds.service import MAX_LIVE_FEEDS_PER_USER
from shiftplanner.config import Settings
from shiftplanner.models import AuditLog, CalendarFeed, Role, User
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.calendar_feeds.support import FEED_URL, URL, create_feed, fetch, outbox
from tests.conftest import running
from tests.factories import Tenant, bearer, make_analyst, make_team, make_user


async def test_an_analyst_makes_a_feed_of_their_own_shifts_shown_once(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, session: AsyncSession
) -> None:
    own = tenant.analysts[2]  # linked to the analyst user
    url, feed = await create_feed(client, tenant.analyst, analyst_id=own.id)
    match = FEED_URL.fullmatch(url)
    assert match is not None
    token = match.group(1)
    assert feed["analyst_id"] == own.id
    assert feed["team_id"] is None
    assert feed["org_id"] == tenant.org.id
    assert feed["created_by_user_id"] == tenant.users[Role.ANALYST].id
    assert feed["token_prefix"] == token[:6]
    assert (feed["revoked_at"], feed["last_fetched_at"]) == (None, None)
    # Only a digest is kept; the list never shows the URL again.
    stored = await session.get(CalendarFeed, feed["id"])
    assert stored is not None
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    listed = (await client.get(URL, headers=tenant.analyst)).json()
    assert token not in json.dumps(listed)
    assert [item["id"] for item in listed["items"]] == [feed["id"]]
    assert (await fetch(client, url)).status_code == 200
    # The event and its audit entry, neither with the token.
    [event] = await outbox(runtime)
    assert (event.event_type, event.resource_id) == ("calendar_feed.created", feed["id"])
    assert token not in json.dumps(event.payload)
    assert stored.token_hash not in json.dumps(event.payload)
    audited = await session.scalars(
        select(AuditLog).where(AuditLog.action == "calendar_feed.created")
    )
    assert [entry.resource_id for entry in audited] == [feed["id"]]


async def test_who_may_make_a_feed_of_whom(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    other, own, team = tenant.analysts[0].id, tenant.analysts[2].id, tenant.team.id
    # Analysts: their own shifts only, no team's.
    problem(await client.post(URL, json={"analyst_id": other}, headers=tenant.analyst), 403)
    problem(await client.post(URL, json={"team_id": team}, headers=tenant.analyst), 403)
    # Viewers read every team's schedule: team feeds, but nobody else's shifts.
    await create_feed(client, tenant.viewer, team_id=team)
    problem(await client.post(URL, json={"analyst_id": other}, headers=tenant.viewer), 403)
    # A viewer who is an analyst may subscribe to their own shifts.
    viewer_user = await make_user(session, runtime, tenant.org, Role.VIEWER)
    linked = await make_analyst(session, tenant.team, user=viewer_user)
    await session.commit()
    await create_feed(client, await bearer(session, runtime, viewer_user), analyst_id=linked.id)
    # Managers and admins: anyone and any team.
    for headers in (tenant.manager, tenant.admin):
        await create_feed(client, headers, analyst_id=other)
        await create_feed(client, headers, analyst_id=own)
        await create_feed(client, headers, team_id=team)
    # An API key acts for nobody a feed could follow.
    key = await client.post(
        "/api/api-keys", json={"name": "feeds", "role": "admin"}, headers=tenant.admin
    )
    problem(
        await client.post(URL, json={"team_id": team}, headers={"X-API-Key": key.json()["key"]}),
        403,
    )
    assert len(await outbox(runtime)) == 1 + 1 + 6


async def test_the_subject_must_be_one_of_the_organizations(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    foreign_team = await make_team(session, other_tenant.org, code="NYC", timezone="UTC")
    await session.commit()
    cases = [
        ({"analyst_id": other_tenant.analysts[0].id}, "#/analyst_id"),
        ({"team_id": foreign_team.id}, "#/team_id"),
        ({"analyst_id": 10**12}, "#/analyst_id"),
    ]
    for body, pointer in cases:
        refused = problem(await client.post(URL, json=body, headers=tenant.manager), 422)
        assert refused["errors"][0]["pointer"] == pointer, refused
    malformed: tuple[dict[str, object], ...] = (
        {},
        {"analyst_id": tenant.analysts[0].id, "team_id": tenant.team.id},
        {"analyst_id": 0},
        {"team_id": tenant.team.id, "token": "mine"},
    )
    for bad in malformed:
        problem(await client.post(URL, json=bad, headers=tenant.manager), 422)
    assert (await session.scalars(select(CalendarFeed))).all() == []


async def test_managers_list_every_feed_others_only_their_own(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    _, mine = await create_feed(client, tenant.analyst, analyst_id=tenant.analysts[2].id)
    _, viewers = await create_feed(client, tenant.viewer, team_id=tenant.team.id)
    _, managers = await create_feed(client, tenant.manager, analyst_id=tenant.analysts[0].id)
    await create_feed(client, other_tenant.manager, team_id=other_tenant.team.id)

    async def listed(headers: dict[str, str]) -> list[int]:
        response = await client.get(URL, headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await listed(tenant.analyst) == [mine["id"]]
    assert await listed(tenant.viewer) == [viewers["id"]]
    everyone = [mine["id"], viewers["id"], managers["id"]]
    assert await listed(tenant.manager) == everyone
    assert await listed(tenant.admin) == everyone
    # Pages, by cursor.
    first = (await client.get(URL, params={"limit": 2}, headers=tenant.admin)).json()
    rest = await client.get(
        URL, params={"limit": 2, "cursor": first["next_cursor"]}, headers=tenant.admin
    )
    assert [i["id"] for i in first["items"] + rest.json()["items"]] == everyone


async def test_regenerating_stops_the_old_url_at_once(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    old_url, feed = await create_feed(client, tenant.analyst, analyst_id=tenant.analysts[2].id)
    assert (await fetch(client, old_url)).status_code == 200
    response = await client.post(f"{URL}/{feed['id']}/regenerate", headers=tenant.analyst)
    assert response.status_code == 200, response.text
    new_url, renewed = response.json()["url"], response.json()["feed"]
    match = FEED_URL.fullmatch(new_url)
    assert match is not None
    assert new_url != old_url
    assert renewed["id"] == feed["id"]
    assert renewed["token_prefix"] == match.group(1)[:6]
    assert renewed["last_fetched_at"] is None  # the new URL was never fetched
    problem(await fetch(client, old_url), 404)
    assert (await fetch(client, new_url)).status_code == 200
    regenerated = (await outbox(runtime))[-1]
    assert regenerated.event_type == "calendar_feed.regenerated"
    assert regenerated.payload["changes"]["token_prefix"] == {
        "old": feed["token_prefix"],
        "new": renewed["token_prefix"],
    }
    assert match.group(1) not in json.dumps(regenerated.payload)


async def test_revoking_stops_the_url_and_keeps_the_record(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    url, feed = await create_feed(client, tenant.viewer, team_id=tenant.team.id)
    revoked = await client.delete(f"{URL}/{feed['id']}", headers=tenant.viewer)
    assert revoked.status_code == 204, revoked.text
    body = problem(await fetch(client, url), 404)
    assert "revoked" in body["detail"]
    [listed] = (await client.get(URL, headers=tenant.viewer)).json()["items"]
    assert listed["revoked_at"] is not None
    problem(await client.delete(f"{URL}/{feed['id']}", headers=tenant.viewer), 409)
    problem(await client.post(f"{URL}/{feed['id']}/regenerate", headers=tenant.viewer), 409)
    assert [e.event_type for e in await outbox(runtime)] == [
        "calendar_feed.created",
        "calendar_feed.revoked",
    ]


async def test_only_managers_touch_feeds_someone_else_made(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    url, managers = await create_feed(client, tenant.manager, analyst_id=tenant.analysts[2].id)
    _, analysts = await create_feed(client, tenant.analyst, analyst_id=tenant.analysts[2].id)
    # The analyst may not see or touch the manager's feed, though it shows their shifts.
    for headers in (tenant.analyst, tenant.viewer, other_tenant.admin):
        problem(await client.post(f"{URL}/{managers['id']}/regenerate", headers=headers), 404)
        problem(await client.delete(f"{URL}/{managers['id']}", headers=headers), 404)
    assert (await fetch(client, url)).status_code == 200
    # A manager may revoke the analyst's.
    revoked = await client.delete(f"{URL}/{analysts['id']}", headers=tenant.manager)
    assert revoked.status_code == 204, revoked.text


async def test_a_feed_ends_with_its_creators_account(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    creator = await make_user(session, runtime, tenant.org, Role.MANAGER)
    await session.commit()
    url, _ = await create_feed(
        client, await bearer(session, runtime, creator), team_id=tenant.team.id
    )
    assert (await fetch(client, url)).status_code == 200
    creator.is_active = False
    await session.commit()
    problem(await fetch(client, url), 404)
    creator.is_active = True
    await session.commit()
    assert (await fetch(client, url)).status_code == 200
    await session.delete(await session.get(User, creator.id))
    await session.commit()
    problem(await fetch(client, url), 404)


async def test_one_person_has_a_bounded_number_of_live_feeds(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ids = [
        (await create_feed(client, tenant.viewer, team_id=tenant.team.id))[1]["id"]
        for _ in range(MAX_LIVE_FEEDS_PER_USER)
    ]
    problem(await client.post(URL, json={"team_id": tenant.team.id}, headers=tenant.viewer), 409)
    assert (await client.delete(f"{URL}/{ids[0]}", headers=tenant.viewer)).status_code == 204
    await create_feed(client, tenant.viewer, team_id=tenant.team.id)


@pytest.mark.parametrize(
    ("peer", "scheme"),
    [("10.1.2.3", "https"), ("203.0.113.9", "http")],
    ids=["trusted", "untrusted"],
)
async def test_the_url_is_https_behind_a_trusted_proxy_that_says_so(
    settings: Settings, tenant: Tenant, peer: str, scheme: str
) -> None:
    proxied = settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    async with running(proxied, client_address=(peer, 40000)) as (_, http):
        response = await http.post(
            URL,
            json={"team_id": tenant.team.id},
            headers={**tenant.manager, "X-Forwarded-Proto": "https", "Host": "shifts.example.org"},
        )
    assert response.status_code == 201, response.text
    assert response.json()["url"].startswith(f"{scheme}://shifts.example.org/ical/")
