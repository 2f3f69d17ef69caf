"""ETags of answers the response cache does not keep (a single team): strong tags of the bytes, 304 when nothing changed, a new tag when something
did, in either encoding; answers that carry their own tag keep it, and answers about accounts
and credentials get none (no cache may keep them)."""

from __future__ import annotations

import gzip

import httpx

from shiftplanner.config import Settings
from shiftplanner.performance.etags import body_etag
from tests.conftest import running
from tests.factories import Tenant


async def test_a_resource_has_a_strong_etag_of_its_bytes_and_a_304_when_unchanged(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    path = f"/api/teams/{tenant.team.id}"
    first = await client.get(path, headers=tenant.viewer)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag == body_etag(first.content)
    assert not tag.startswith("W/")
    assert first.headers["cache-control"] == "private, no-cache"

    again = await client.get(path, headers={**tenant.viewer, "If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    assert "content-type" not in again.headers
    assert again.headers["cache-control"] == "private, no-cache"

    others = await client.get(path, headers={**tenant.viewer, "If-None-Match": '"other", ' + tag})
    assert others.status_code == 304


async def test_a_change_gives_a_new_tag_and_the_old_one_gets_the_new_answer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    path = f"/api/teams/{tenant.team.id}"
    before = await client.get(path, headers=tenant.admin)
    renamed = await client.patch(path, json={"name": "Renamed desk"}, headers=tenant.admin)
    assert renamed.status_code == 200, renamed.text

    after = await client.get(
        path, headers={**tenant.admin, "If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.json()["name"] == "Renamed desk"
    assert after.headers["etag"] != before.headers["etag"]


async def test_the_compressed_answer_revalidates_with_its_own_tag(
    settings: Settings, tenant: Tenant
) -> None:
    path = f"/api/teams/{tenant.team.id}"
    compressing = settings.model_copy(update={"compression_minimum_bytes": 10})
    async with running(compressing) as (_, client):
        plain = await client.get(path, headers={**tenant.admin, "Accept-Encoding": "identity"})
        stream = client.stream("GET", path, headers={**tenant.admin, "Accept-Encoding": "gzip"})
        async with stream as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
            headers = response.headers
        assert headers["content-encoding"] == "gzip"
        assert gzip.decompress(raw) == plain.content
        assert headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
        again = await client.get(
            path,
            headers={**tenant.admin, "If-None-Match": headers["etag"], "Accept-Encoding": "gzip"},
        )
        assert again.status_code == 304


async def test_answers_with_their_own_tag_and_other_requests_are_left_alone(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    listed = await client.get("/api/teams", headers=tenant.viewer)
    assert listed.headers["x-cache"] in ("HIT", "MISS")
    assert listed.headers["etag"] != body_etag(listed.content)  # the cache's own tag

    head = await client.head(f"/api/teams/{tenant.team.id}", headers=tenant.viewer)
    assert "etag" not in head.headers

    missing = await client.get("/api/teams/999999", headers=tenant.viewer)
    assert missing.status_code == 404
    assert "etag" not in missing.headers

    health = await client.get("/health")
    assert "etag" not in health.headers

    for account in ("/api/auth/me", "/api/users", "/api/api-keys"):
        answer = await client.get(account, headers=tenant.admin)
        assert answer.status_code == 200, account
        assert "etag" not in answer.headers, account
        assert answer.headers["cache-control"] == "no-store", account
