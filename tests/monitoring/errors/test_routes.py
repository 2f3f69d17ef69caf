"""Error tracking end to end: a route that fails answers the client with a problem
document and its request id only, while the failure is counted in its group, listed for
operators with its latest request, route and user, even when many fail at once; and
when the database cannot take the record, the client still gets its answer."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from shiftplanner.config import Settings
from shiftplanner.db import create_session_factory
from shiftplanner.models import Role
from shiftplanner.security.dependencies import CurrentActor
from tests.assertions import problem
from tests.conftest import make_settings, running
from tests.factories import Tenant
from tests.logs import WrittenLogs
from tests.monitoring.test_routes import scrape, value

LOCAL_SECRET = "a-local-value-that-must-not-be-recorded"


def divide_the_shifts(count: int) -> float:
    helpers = LOCAL_SECRET  # a local: tracebacks keep no locals
    return len(helpers) / count


async def failing_division(actor: CurrentActor) -> dict[str, float]:
    return {"share": divide_the_shifts(0)}


async def failing_lookup() -> dict[str, str]:
    names: dict[str, str] = {}
    return {"name": names["missing"]}


async def failing_anonymously() -> None:
    raise RuntimeError("no database needed to fail")


def add_failing_routes(app: FastAPI) -> None:
    app.add_api_route("/test/division", failing_division)
    app.add_api_route("/test/lookup", failing_lookup)
    app.add_api_route("/test/anonymous", failing_anonymously)


def answered_with_problem(response: httpx.Response) -> str:
    """A 500 problem document with the request id and nothing of the failure's insides;
    returns the request id."""
    body = problem(response, 500)
    assert body["request_id"] == response.headers["x-request-id"]
    for inside in ("Traceback", "ZeroDivisionError", "KeyError", "division by zero", "File "):
        assert inside not in response.text
    request_id: str = body["request_id"]
    return request_id


async def groups(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> dict[str, Any]:
    response = await client.get("/monitoring/errors", params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def test_failures_are_grouped_by_type_and_place_and_listed_for_operators(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    add_failing_routes(app)
    before = await scrape(client)
    first = answered_with_problem(await client.get("/test/division", headers=tenant.admin))
    second = answered_with_problem(await client.get("/test/division", headers=tenant.admin))
    assert first != second
    lookup = answered_with_problem(await client.get("/test/lookup"))
    after = await scrape(client)
    counted = "shiftplanner_unhandled_errors_total"
    assert (
        value(after, counted, exception_type="ZeroDivisionError")
        - value(before, counted, exception_type="ZeroDivisionError")
        == 2
    )

    listed = (await groups(client, tenant))["items"]
    assert [group["exception_type"] for group in listed] == ["KeyError", "ZeroDivisionError"]
    missing, division = listed
    assert missing["count"] == 1
    assert missing["last_request_id"] == lookup
    assert missing["last_user_id"] is None
    assert division["count"] == 2
    assert division["location"].startswith(f"{__name__}:divide_the_shifts:")
    assert division["message"] == "division by zero"
    assert division["first_seen_at"] <= division["last_seen_at"]
    assert (division["last_request_id"], division["last_method"], division["last_route"]) == (
        second,
        "GET",
        "/test/division",
    )
    assert division["last_user_id"] == tenant.users[Role.ADMIN].id
    assert division["last_org_id"] == tenant.org.id
    assert "sample_traceback" not in division

    detail = await client.get(f"/monitoring/errors/{division['id']}", headers=tenant.admin)
    assert detail.status_code == 200, detail.text
    trace = detail.json()["sample_traceback"]
    assert "in divide_the_shifts" in trace
    assert trace.rstrip().endswith("ZeroDivisionError: division by zero")
    assert LOCAL_SECRET not in trace

    # Pages, newest first.
    page = await groups(client, tenant, limit=1)
    assert [group["id"] for group in page["items"]] == [missing["id"]]
    rest = await groups(client, tenant, limit=1, cursor=page["next_cursor"])
    assert [group["id"] for group in rest["items"]] == [division["id"]]
    assert rest["next_cursor"] is None

    problem(await client.get("/monitoring/errors/999999", headers=tenant.admin), 404)
    # A tenant's admin is not the operator: the errors span every tenant.
    problem(await client.get("/monitoring/errors", headers=other_tenant.admin), 403)


async def test_many_first_occurrences_at_once_make_one_group(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    add_failing_routes(app)
    answers = await asyncio.gather(*(client.get("/test/lookup") for _ in range(8)))
    for answer in answers:
        answered_with_problem(answer)
    listed = (await groups(client, tenant))["items"]
    assert [(group["exception_type"], group["count"]) for group in listed] == [("KeyError", 8)]


def unreachable_database(settings: Settings) -> str:
    if settings.is_sqlite:
        return "sqlite+aiosqlite:////nonexistent-directory/for/error-tracking.db"
    return "postgresql+asyncpg://nobody:nothing@127.0.0.1:1/nowhere"


async def test_the_client_gets_its_answer_when_the_record_cannot_be_written(
    database_url: str, tenant: Tenant, written_logs: WrittenLogs
) -> None:
    settings = make_settings(database_url, log_json=True)
    async with running(settings) as (app, client):
        add_failing_routes(app)
        runtime = app.state.runtime
        working = runtime.session_factory
        broken = create_async_engine(unreachable_database(settings))
        runtime.session_factory = create_session_factory(broken)
        try:
            before = await scrape(client)
            request_id = answered_with_problem(await client.get("/test/anonymous"))
            after = await scrape(client)
        finally:
            runtime.session_factory = working
            await broken.dispose()
        # Still counted, and the failure to record it is in the log, with the request.
        name = "shiftplanner_unhandled_errors_total"
        assert (
            value(after, name, exception_type="RuntimeError")
            - value(before, name, exception_type="RuntimeError")
            == 1
        )
        [failed] = written_logs.events("error_tracking_failed")
        assert failed["request_id"] == request_id
        assert failed["exception_type"] == "RuntimeError"
        # Nothing was stored: the record truly could not be written.
        assert (await groups(client, tenant))["items"] == []
        # And with the database back, the next one is.
        answered_with_problem(await client.get("/test/anonymous"))
        [group] = (await groups(client, tenant))["items"]
        assert (group["exception_type"], group["count"]) == ("RuntimeError", 1)
