"""Every failure is an RFC 9457 problem document with the request id, and never a stack
trace."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.assertions import PROBLEM
from tests.factories import Tenant


async def test_an_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["type"].endswith(":not-found")
    assert body["instance"] == "/api/nothing-here"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_a_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.put("/health")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


async def test_malformed_json_is_422_with_a_pointer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/teams",
        content=b'{"name": ',
        headers={**tenant.admin, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


async def test_each_invalid_field_is_listed_with_its_pointer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/shift-types",
        json={
            "team_id": "x",
            "name": "",
            "start_time": "25:00",
            "end_time": "08:00",
            "surprise": 1,
        },
        headers=tenant.admin,
    )
    assert response.status_code == 422
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert {"#/team_id", "#/name", "#/start_time", "#/surprise"} <= pointers


async def test_invalid_query_parameters_are_named(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(
        "/api/schedules", params={"start": "not-a-date"}, headers=tenant.viewer
    )
    assert response.status_code == 422
    named = {(e.get("parameter"), e.get("in")) for e in response.json()["errors"]}
    assert ("start", "query") in named
    assert ("end", "query") in named


async def test_an_oversized_id_is_refused_not_crashed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(f"/api/teams/{2**70}", headers=tenant.viewer)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


async def test_an_unexpected_failure_hides_its_details(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.add_api_route("/explode", explode)
    response = await client.get("/explode", headers={"X-Request-ID": "trace-me-42"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["request_id"] == "trace-me-42"


async def test_request_ids_are_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    forged = await client.get("/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert forged.headers["x-request-id"] != "bad id\nwith newline"
    assert len(forged.headers["x-request-id"]) == 32


async def test_health_is_cheap_and_says_who_it_is(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "pass"
    assert body["version"]
    assert body["uptime_seconds"] >= 0
