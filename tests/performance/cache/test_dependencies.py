"""The response cache as clients meet it: a hit after a miss, never the old data after a
committed write (in this process, and in another process at once), 304 from an ETag,
personal answers kept apart, organizations kept apart."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.models import AbsenceStatus
from shiftplanner.performance.etags import body_etag
from tests.conftest import TEST_SECRET, running
from tests.factories import Tenant, make_absence, make_assignment, make_team
from tests.subprocesses import FAST_HASHING, command_env, serving_async

MONDAY = date(2030, 1, 7)
WEEK = {"start": "2030-01-07", "end": "2030-01-13"}


async def week(client: httpx.AsyncClient, headers: dict[str, str], **more: Any) -> httpx.Response:
    response = await client.get("/api/schedules", params={**WEEK, **more}, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_a_repeated_read_is_a_hit_with_the_same_bytes_and_etag(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    await make_assignment(session, tenant.analysts[0], tenant.shift_types[0], MONDAY)
    await session.commit()
    first = await week(client, tenant.viewer)
    second = await week(client, tenant.viewer)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert second.headers["cache-control"] == "private, no-cache"
    assert len(second.json()["items"]) == 1
    # Another role of the same organization sees the same answer (it is not personal).
    assert (await week(client, tenant.manager)).headers["x-cache"] == "HIT"


async def test_a_read_after_a_committed_write_never_returns_the_old_data(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    before = await week(client, tenant.manager)
    assert before.json()["items"] == []
    booked = await client.post(
        "/api/schedules",
        json={
            "analyst_id": tenant.analysts[0].id,
            "shift_type_id": tenant.shift_types[0].id,
            "date": MONDAY.isoformat(),
        },
        headers=tenant.manager,
    )
    assert booked.status_code == 201, booked.text
    after = await week(client, tenant.viewer)
    assert after.headers["x-cache"] == "MISS"
    assert [a["id"] for a in after.json()["items"]] == [booked.json()["id"]]
    assert after.headers["etag"] != before.headers["etag"]
    moved = await client.patch(
        f"/api/schedules/{booked.json()['id']}",
        json={"note": "swapped", "version": 1},
        headers=tenant.manager,
    )
    assert moved.status_code == 200, moved.text
    assert (await week(client, tenant.viewer)).json()["items"][0]["note"] == "swapped"


async def test_a_row_written_without_its_event_still_retires_the_cached_answers(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    assert (await week(client, tenant.viewer)).json()["items"] == []
    await make_assignment(session, tenant.analysts[1], tenant.shift_types[0], MONDAY)
    await session.commit()
    assert len((await week(client, tenant.viewer)).json()["items"]) == 1


async def test_an_unchanged_answer_is_a_304_without_a_body(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    tag = (await week(client, tenant.viewer)).headers["etag"]
    again = await client.get(
        "/api/schedules", params=WEEK, headers={**tenant.viewer, "If-None-Match": tag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    either = await client.get(
        "/api/schedules",
        params=WEEK,
        headers={**tenant.viewer, "If-None-Match": f'"nope", W/{tag}'},
    )
    assert either.status_code == 304
    await make_assignment(session, tenant.analysts[0], tenant.shift_types[0], MONDAY)
    await session.commit()
    changed = await client.get(
        "/api/schedules", params=WEEK, headers={**tenant.viewer, "If-None-Match": tag}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag


async def test_personal_answers_are_kept_per_person_and_never_shown_to_another(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    mine = tenant.analysts[2]  # linked to the analyst user
    await make_absence(session, mine, MONDAY, MONDAY, status=AbsenceStatus.REQUESTED)
    await make_absence(session, tenant.analysts[0], MONDAY, MONDAY)
    await session.commit()
    everyone = await client.get("/api/absences", headers=tenant.manager)
    assert len(everyone.json()["items"]) == 2
    own = await client.get("/api/absences", headers=tenant.analyst)
    assert own.headers["x-cache"] == "MISS"
    assert [a["analyst_id"] for a in own.json()["items"]] == [mine.id]
    # The viewer (no analyst of their own) sees nothing, though the same URL is cached.
    nothing = await client.get("/api/absences", headers=tenant.viewer)
    assert nothing.headers["x-cache"] == "MISS"
    assert nothing.json()["items"] == []
    assert (await client.get("/api/absences", headers=tenant.admin)).headers["x-cache"] == "HIT"


async def test_organizations_never_share_an_answer(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    await make_team(session, other_tenant.org, code="NYC")
    await session.commit()
    mine = await client.get("/api/teams", headers=tenant.admin)
    theirs = await client.get("/api/teams", headers=other_tenant.admin)
    assert theirs.headers["x-cache"] == "MISS"
    assert [t["code"] for t in mine.json()["items"]] == ["LDN"]
    assert [t["code"] for t in theirs.json()["items"]] == ["LDN", "NYC"]
    assert mine.headers["etag"] != theirs.headers["etag"]


async def test_the_cache_can_be_switched_off(settings: Settings, tenant: Tenant) -> None:

    async with running(settings.model_copy(update={"cache_enabled": False})) as (_, http):
        response = await http.get("/api/teams", headers=tenant.admin)
    assert response.status_code == 200
    assert response.headers["x-cache"] == "MISS"
    # Not the cache's tag: the one every answer without a tag of its own gets.
    assert response.headers["etag"] == body_etag(response.content)


async def test_a_write_through_one_process_is_read_at_once_through_another(
    database_url: str, redis_url: str, tenant: Tenant, tmp_path: Path
) -> None:
    """Two server processes sharing the database and Redis: the second's cached answer is
    retired the moment the first commits, with no message between them."""
    env = command_env(
        database_url,
        tmp_path / "data",
        SHIFTPLANNER_JWT_SECRET=TEST_SECRET,
        SHIFTPLANNER_REDIS_URL=redis_url,
        SHIFTPLANNER_REDIS_KEY_PREFIX=f"test-{tmp_path.name}",
        SHIFTPLANNER_DISPATCHER_ENABLED="false",
        SHIFTPLANNER_GENERATION_RUNNER_ENABLED="false",
        # The alerting worker gives a new organization its default rules, a change of its
        # data: landing between the two reads below, it retired the reader's answer
        # before the writer looked (a CI run's failure, "MISS" where "HIT" was due).
        SHIFTPLANNER_ALERTING_ENABLED="false",
        SHIFTPLANNER_LOG_LEVEL="warning",
        **FAST_HASHING,
    )
    booking = {
        "analyst_id": tenant.analysts[0].id,
        "shift_type_id": tenant.shift_types[0].id,
        "date": MONDAY.isoformat(),
    }
    async with (
        serving_async(env) as writer,
        serving_async(env) as reader,
        httpx.AsyncClient(timeout=10) as http,
    ):
        url = f"{reader.url}/api/schedules"
        first = await http.get(url, params=WEEK, headers=tenant.viewer)
        assert first.headers["x-cache"] == "MISS"
        shared = await http.get(f"{writer.url}/api/schedules", params=WEEK, headers=tenant.viewer)
        assert shared.headers["x-cache"] == "HIT"  # from Redis, cached by the reader
        for n in range(5):
            booked = await http.post(
                f"{writer.url}/api/schedules",
                json={
                    **booking,
                    "analyst_id": tenant.analysts[n % 3].id,
                    "date": f"2030-01-{8 + n:02d}",
                },
                headers=tenant.manager,
            )
            assert booked.status_code == 201, booked.text
            seen = await http.get(url, params=WEEK, headers=tenant.viewer)
            assert booked.json()["id"] in [a["id"] for a in seen.json()["items"]], n


async def test_a_viewer_and_an_analyst_of_one_org_share_reference_answers(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await client.get("/api/analysts", headers=tenant.analyst)
    second = await client.get("/api/analysts", headers=tenant.viewer)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
