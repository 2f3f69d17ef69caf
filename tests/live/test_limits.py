"""Who may open a stream, how many, and for how long: a person signed in (not an API
key), a few streams each and a bounded number per process, until the access token
expires or the sign-in ends or changes."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.models import Role
from shiftplanner.runtime import Runtime
from shiftplanner.security import sessions
from shiftplanner.security.tokens import TokenKind, Tokens
from tests.conftest import TEST_SECRET
from tests.factories import Tenant
from tests.live.support import Served, holds, listening, served


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = response.json()
    return document


async def refused(
    http: httpx.AsyncClient, headers: dict[str, str], **kwargs: Any
) -> httpx.Response:
    """A stream request that must be refused (an accepted one would never end)."""
    async with http.stream("GET", "/api/events", headers=headers, **kwargs) as response:
        await response.aread()
        assert response.status_code != 200, "the stream was accepted"
        return response


async def released(server: Served, count: int) -> None:
    """Wait (bounded) until the hub holds `count` streams: a closed one is let go once the
    server notices the client left."""
    await holds(lambda: server.hub.connections == count, within=10)


async def test_without_a_token_or_with_an_api_key_no_stream_opens(
    http: httpx.AsyncClient, server: Served, tenant: Tenant
) -> None:
    unauthenticated = problem(await refused(http, {}), 401)
    assert "access token" in unauthenticated["detail"]
    key = await http.post(
        "/api/api-keys", json={"name": "robot", "role": "admin"}, headers=tenant.admin
    )
    assert key.status_code == 201, key.text
    machine = problem(await refused(http, {"X-API-Key": key.json()["key"]}), 403)
    assert "webhooks" in machine["detail"]
    assert server.hub.connections == 0


@pytest.mark.parametrize(
    ("header", "query"), [("soon", None), ("-1", None), (None, "x"), (None, "99999999999999999999")]
)
async def test_a_resume_point_that_is_no_event_id_is_refused(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, header: str | None, query: str | None
) -> None:
    headers = {**tenant.viewer, **({"Last-Event-ID": header} if header else {})}
    params = {"after": query} if query else None
    refusal = problem(await refused(http, headers, params=params), 422)
    assert refusal["errors"], refusal


async def test_one_user_opens_a_few_streams_at_most(
    http: httpx.AsyncClient, server: Served, tenant: Tenant
) -> None:
    server.hub.max_connections_per_user = 2
    async with listening(http, tenant.viewer), listening(http, tenant.viewer):
        third = problem(await refused(http, tenant.viewer), 429)
        assert "2 live streams open already" in third["detail"]
        assert third["status"] == 429
        # Someone else still may.
        async with listening(http, tenant.analyst):
            assert server.hub.connections == 3
    await released(server, 0)
    async with listening(http, tenant.viewer):
        assert server.hub.connections == 1


async def test_a_process_holds_a_bounded_number_of_streams(
    http: httpx.AsyncClient, server: Served, tenant: Tenant
) -> None:
    server.hub.max_connections = 2
    async with listening(http, tenant.admin), listening(http, tenant.manager):
        full = await refused(http, tenant.viewer)
        assert problem(full, 503)["detail"].startswith("This server holds as many live streams")
        assert full.headers["retry-after"] == "10"
    await released(server, 0)
    async with listening(http, tenant.viewer):
        pass


async def test_a_server_with_live_updates_off_says_so(settings: Settings, tenant: Tenant) -> None:
    assert settings.live_enabled is False
    async with served(settings) as off, off.client() as http:
        answer = problem(await refused(http, tenant.viewer), 503)
    assert "not running" in answer["detail"]


async def test_the_stream_ends_when_its_access_token_expires(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, session: AsyncSession
) -> None:
    user = tenant.users[Role.VIEWER]
    family_id = await sessions.open_family(session, user.id)
    await session.commit()
    short = Tokens(TEST_SECRET, access_ttl=timedelta(seconds=2), refresh_ttl=timedelta(hours=1))
    token, _ = short.issue(
        user_id=user.id,
        org_id=user.org_id,
        role=user.role,
        kind=TokenKind.ACCESS,
        family_id=family_id,
    )
    started = time.monotonic()
    async with listening(http, {"Authorization": f"Bearer {token}"}) as stream:
        await stream.end(within=10)
    # Issued to the second: it lives one to two seconds.
    assert 0.5 < time.monotonic() - started < 8
    assert stream.ended
    await released(server, 0)


@pytest.mark.parametrize("change", [{"is_active": False}, {"role": "analyst"}])
async def test_the_stream_ends_when_its_user_is_disabled_or_changes_role(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, change: dict[str, object]
) -> None:
    server.hub.recheck_seconds = 0.2
    viewer = tenant.users[Role.VIEWER]
    async with listening(http, tenant.viewer) as stream:
        changed = await http.patch(f"/api/users/{viewer.id}", json=change, headers=tenant.admin)
        assert changed.status_code == 200, changed.text
        await stream.end(within=10)
    assert stream.ended
    await released(server, 0)


async def test_a_linked_analyst_changing_ends_the_stream(
    http: httpx.AsyncClient, server: Served, tenant: Tenant, runtime: Runtime
) -> None:
    """Which analyst a user is decides whose absences they are sent: a new link is a new
    stream (the client reconnects)."""
    server.hub.recheck_seconds = 0.2
    linked = tenant.analysts[2]
    async with listening(http, tenant.analyst) as stream:
        unlinked = await http.patch(
            f"/api/analysts/{linked.id}", json={"user_id": None}, headers=tenant.admin
        )
        assert unlinked.status_code == 200, unlinked.text
        await stream.end(within=10)
    assert stream.ended
