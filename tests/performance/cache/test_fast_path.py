"""The cache's fast path: a hit answered before routing, and every doubt (another query, a
bad token, a sign-in that ended, a disabled user, an API key) left to the routes."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message, Receive, Scope, Send

from shiftplanner.models import Role
from shiftplanner.performance.cache.fast_path import CachedReadsMiddleware
from tests.factories import Tenant

TEAMS = "/api/teams"


class Recorder:
    """An app behind the fast path that says whether it was reached."""

    def __init__(self) -> None:
        self.reached = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.reached += 1
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def through_fast_path(
    app: FastAPI, headers: dict[str, str], query: bytes = b""
) -> tuple[Recorder, list[Message]]:
    recorder = Recorder()
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": TEAMS,
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "app": app,
        "state": {},
    }
    await CachedReadsMiddleware(recorder)(scope, receive, send)
    return recorder, sent


async def test_a_hit_is_answered_without_reaching_the_routes(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    filled = await client.get(TEAMS, headers=tenant.viewer)
    assert filled.headers["x-cache"] == "MISS"
    recorder, sent = await through_fast_path(app, tenant.viewer)
    assert recorder.reached == 0
    assert sent[0]["status"] == 200
    assert dict(sent[0]["headers"])[b"etag"] == filled.headers["etag"].encode()
    assert sent[1]["body"] == filled.content
    # Another query was never answered by the routes: it is theirs to judge.
    recorder, _ = await through_fast_path(app, tenant.viewer, b"limit=1")
    assert recorder.reached == 1


async def test_a_head_of_a_hit_has_the_length_and_no_body(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    filled = await client.get(TEAMS, headers=tenant.viewer)
    head = await client.head(TEAMS, headers=tenant.viewer)
    assert head.status_code == 200
    assert head.headers["x-cache"] == "HIT"
    assert head.headers["content-length"] == str(len(filled.content))
    assert head.content == b""


async def test_a_token_whose_sign_in_ended_is_refused_though_its_answer_is_cached(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (await client.get(TEAMS, headers=tenant.viewer)).status_code == 200
    assert (await client.post("/api/auth/logout", headers=tenant.viewer)).status_code == 204
    refused = await client.get(TEAMS, headers=tenant.viewer)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "x-cache" not in refused.headers
    # Everyone else of the organization still reads the cached answer.
    assert (await client.get(TEAMS, headers=tenant.manager)).headers["x-cache"] == "HIT"


async def test_a_disabled_user_is_refused_though_their_answer_is_cached(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    assert (await client.get(TEAMS, headers=tenant.viewer)).status_code == 200
    viewer = await session.merge(tenant.users[Role.VIEWER])
    viewer.is_active = False
    await session.commit()
    assert (await client.get(TEAMS, headers=tenant.viewer)).status_code == 401


async def test_a_forged_token_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    assert (await client.get(TEAMS, headers=tenant.viewer)).status_code == 200
    token = tenant.viewer["Authorization"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused = await client.get(TEAMS, headers={"Authorization": forged})
    assert refused.status_code == 401


async def test_an_api_key_read_is_left_to_the_routes_and_still_cached(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(
        "/api/api-keys", json={"name": "hr-sync", "role": "viewer"}, headers=tenant.admin
    )
    assert created.status_code == 201, created.text
    headers = {"X-API-Key": created.json()["key"]}
    assert (await client.get(TEAMS, headers=headers)).headers["x-cache"] == "MISS"
    recorder, _ = await through_fast_path(app, headers)
    assert recorder.reached == 1
    assert (await client.get(TEAMS, headers=headers)).headers["x-cache"] == "HIT"
