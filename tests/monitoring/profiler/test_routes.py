"""The live profiler: a CPU profile taken while requests run names the functions they
spent their time in, downloads as pyinstrument's page or a speedscope file, one at a
time; memory snapshots show what was allocated between them, by line; only the
platform operator, signed in, uses it, and production keeps it off unless enabled."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from fastapi import FastAPI

from shiftplanner.config import Environment
from tests.assertions import problem
from tests.conftest import make_settings, running
from tests.factories import Tenant

PROFILE = "/monitoring/profiler/cpu"
SNAPSHOTS = "/monitoring/profiler/memory/snapshots"
# Requests to keep the loop busy while a profile runs, and reads of it once they are done.
MAX_BUSY_REQUESTS = 1000
MAX_POLLS = 200


def burn_cpu_for_the_profiler() -> int:
    return sum(i * i for i in range(100_000))


async def busy_route() -> dict[str, int]:
    return {"total": burn_cpu_for_the_profiler()}


HOARD: list[list[bytearray]] = []
HOARD_BLOCKS = 5000


async def hoarding_route() -> dict[str, int]:
    HOARD.append(hoard_blocks())
    return {"held": len(HOARD)}


def hoard_blocks() -> list[bytearray]:
    return [bytearray(1000) for _ in range(HOARD_BLOCKS)]  # the line the diff must name


HOARD_LINE = hoard_blocks.__code__.co_firstlineno + 1


async def profile_while_busy(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    started = await client.post(PROFILE, json={"seconds": 1}, headers=tenant.admin)
    assert started.status_code == 202, started.text
    profile: dict[str, Any] = started.json()
    assert profile["status"] == "running"
    for _ in range(MAX_BUSY_REQUESTS):
        assert (await client.get("/test/busy")).status_code == 200
        profile = (await client.get(f"{PROFILE}/{profile['id']}", headers=tenant.admin)).json()
        if profile["status"] == "finished":
            break
    for _ in range(MAX_POLLS):  # the summary is computed just after the end
        if profile["hottest"]:
            break
        await asyncio.sleep(0.05)
        profile = (await client.get(f"{PROFILE}/{profile['id']}", headers=tenant.admin)).json()
    assert profile["status"] == "finished", profile
    return profile


async def test_a_profile_of_busy_requests_names_their_functions(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    app.add_api_route("/test/busy", busy_route)
    profile = await profile_while_busy(client, tenant)
    assert profile["samples"] > 0
    assert profile["duration_seconds"] >= 1
    hottest = {entry["function"]: entry for entry in profile["hottest"]}
    assert hottest["burn_cpu_for_the_profiler"]["application"] is True
    listed = (await client.get(PROFILE, headers=tenant.admin)).json()
    assert [item["id"] for item in listed] == [profile["id"]]

    download = f"{PROFILE}/{profile['id']}/download"
    speedscope = await client.get(download, params={"format": "speedscope"}, headers=tenant.admin)
    assert speedscope.status_code == 200, speedscope.text
    assert speedscope.headers["content-type"] == "application/json"
    assert speedscope.headers["content-disposition"] == (
        f'attachment; filename="cpu-profile-{profile["id"]}.speedscope.json"'
    )
    document = json.loads(speedscope.content)
    assert document["$schema"] == "https://www.speedscope.app/file-format-schema.json"
    assert document["profiles"]
    assert document["profiles"][0]["events"]
    frames = document["shared"]["frames"]
    names = {frame["name"] for frame in frames}
    assert "burn_cpu_for_the_profiler" in names
    # The service's own code on the way to it: the request middleware.
    assert any(frame["file"].endswith("shiftplanner/middleware.py") for frame in frames)

    page = await client.get(download, params={"format": "html"}, headers=tenant.admin)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-disposition"].startswith("attachment; filename=")
    assert page.text.lstrip().startswith("<!DOCTYPE html>")
    assert "burn_cpu_for_the_profiler" in page.text


async def test_one_profile_at_a_time_within_the_bound(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    too_long = await client.post(PROFILE, json={"seconds": 61}, headers=tenant.admin)
    assert problem(too_long, 422)["errors"][0]["pointer"] == "#/seconds"
    running_profile = await client.post(PROFILE, json={"seconds": 30}, headers=tenant.admin)
    assert running_profile.status_code == 202
    profile_id = running_profile.json()["id"]
    second = await client.post(PROFILE, json={"seconds": 1}, headers=tenant.admin)
    assert "is running" in problem(second, 409)["detail"]
    early = await client.get(f"{PROFILE}/{profile_id}/download", headers=tenant.admin)
    assert "still running" in problem(early, 409)["detail"]
    problem(await client.get(f"{PROFILE}/{'0' * 16}", headers=tenant.admin), 404)
    # The app's shutdown (the fixture's) ends the running profile.


async def test_memory_snapshots_show_what_was_allocated_between_them(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    app.add_api_route("/test/hoard", hoarding_route)
    try:
        first = await client.post(SNAPSHOTS, headers=tenant.admin)
        assert first.status_code == 201, first.text
        assert (await client.get("/test/hoard")).status_code == 200
        second = await client.post(SNAPSHOTS, headers=tenant.admin)
        assert second.json()["traced_bytes"] > first.json()["traced_bytes"]
        state = (await client.get(SNAPSHOTS, headers=tenant.admin)).json()
        assert state["tracing"] is True
        assert [s["id"] for s in state["snapshots"]] == [first.json()["id"], second.json()["id"]]

        diff = await client.get(
            "/monitoring/profiler/memory/diff",
            params={"from": first.json()["id"], "to": second.json()["id"], "limit": 10},
            headers=tenant.admin,
        )
        assert diff.status_code == 200, diff.text
        top = diff.json()["top"]
        assert len(top) <= 10
        [hoarded] = [entry for entry in top if entry["file"] == __file__]
        assert hoarded["line"] == HOARD_LINE
        assert hoarded["count_diff"] >= HOARD_BLOCKS
        assert hoarded["size_diff"] >= HOARD_BLOCKS * 1000
        assert top[0] == hoarded  # the largest change

        stopped = await client.delete(SNAPSHOTS, headers=tenant.admin)
        assert stopped.status_code == 204
        state = (await client.get(SNAPSHOTS, headers=tenant.admin)).json()
        assert (state["tracing"], state["snapshots"]) == (False, [])
        gone = await client.get(
            "/monitoring/profiler/memory/diff",
            params={"from": first.json()["id"], "to": second.json()["id"]},
            headers=tenant.admin,
        )
        problem(gone, 404)
    finally:
        HOARD.clear()


async def test_only_the_operator_signed_in_and_only_where_enabled(
    database_url: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    development = make_settings(database_url)
    async with running(development) as (_, client):
        problem(await client.get(PROFILE, headers=other_tenant.admin), 403)
        created = await client.post(
            "/api/api-keys",
            json={"name": "prometheus", "role": "admin", "scopes": ["monitoring"]},
            headers=tenant.admin,
        )
        key = {"X-API-Key": created.json()["key"]}
        assert (await client.get("/monitoring/errors", headers=key)).status_code == 200
        problem(await client.post(SNAPSHOTS, headers=key), 403)
        assert (await client.get(PROFILE, headers=tenant.admin)).status_code == 200

    production = make_settings(database_url, env=Environment.PRODUCTION)
    async with running(production) as (_, client):
        refused = await client.post(PROFILE, json={"seconds": 1}, headers=tenant.admin)
        assert "SHIFTPLANNER_PROFILER_ENABLED" in problem(refused, 403)["detail"]
        problem(await client.post(SNAPSHOTS, headers=tenant.admin), 403)

    enabled = production.model_copy(update={"profiler_enabled": True})
    async with running(enabled) as (_, client):
        assert (await client.get(SNAPSHOTS, headers=tenant.admin)).status_code == 200
