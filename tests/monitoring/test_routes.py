"""`/metrics`: Prometheus's text format with the request metrics labelled by route
template; open in development, and in production only to the allowed networks, the
platform operator and API keys with the `monitoring` scope."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Environment, Settings
from shiftplanner.models import Role, User
from tests.assertions import problem
from tests.conftest import make_settings, running
from tests.factories import Tenant

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> Samples:
    response = await client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_requests_are_counted_timed_and_sized_by_route_template(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = f"/api/teams/{tenant.team.id}"
    route = {"method": "GET", "route": "/api/teams/{team_id}"}
    before = await scrape(client)
    sizes = 0
    for _ in range(3):
        answer = await client.get(team, headers=tenant.admin)
        assert answer.status_code == 200
        sizes += len(answer.content)
    assert (await client.get("/no/such/page/42")).status_code == 404
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("shiftplanner_http_requests_total", **route, status="200") == 3
    assert delta("shiftplanner_http_request_duration_seconds_count", **route) == 3
    # Each request falls in one bucket, and every bucket up to +Inf is cumulative.
    assert delta("shiftplanner_http_request_duration_seconds_bucket", **route, le="+Inf") == 3
    assert delta("shiftplanner_http_request_duration_seconds_bucket", **route, le="10.0") == 3
    assert delta("shiftplanner_http_response_size_bytes_sum", **route) == sizes
    assert (
        delta("shiftplanner_http_requests_total", method="GET", route="<unmatched>", status="404")
        == 1
    )
    # Raw paths never become labels: that would be a series per id.
    labels = {dict(key[1]).get("route") for key in after}
    assert team not in labels
    assert "/no/such/page/42" not in labels
    assert value(after, "shiftplanner_http_requests_in_flight") == 1  # the scrape itself


async def test_a_cached_answer_is_counted_under_its_route(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    week = {"start": "2030-01-07", "end": "2030-01-13", "team_id": str(tenant.team.id)}
    route = {"method": "GET", "route": "/api/schedules", "status": "200"}
    before = await scrape(client)
    first = await client.get("/api/schedules", params=week, headers=tenant.admin)
    second = await client.get("/api/schedules", params=week, headers=tenant.admin)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    after = await scrape(client)
    name = "shiftplanner_http_requests_total"
    assert value(after, name, **route) - value(before, name, **route) == 2


async def test_with_metrics_off_nothing_is_measured(database_url: str, tenant: Tenant) -> None:
    async with running(make_settings(database_url, metrics_enabled=False)) as (app, client):
        before = await scrape(client)
        await client.get(f"/api/teams/{tenant.team.id}", headers=tenant.admin)
        after = await scrape(client)
        assert app.state.runtime.recorder.routes == {}
    name = "shiftplanner_http_requests_total"
    route = {"method": "GET", "route": "/api/teams/{team_id}", "status": "200"}
    assert value(after, name, **route) == value(before, name, **route)


def production(database_url: str, **overrides: object) -> Settings:
    return make_settings(database_url, env=Environment.PRODUCTION, **overrides)


async def test_production_serves_metrics_to_allowed_networks_and_operators_only(
    database_url: str, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    settings = production(database_url, metrics_allowed_networks=["10.0.0.0/8"])
    async with running(settings, client_address=("10.20.30.40", 40000)) as (_, client):
        assert (await client.get("/metrics")).status_code == 200
    async with running(settings, client_address=("192.0.2.7", 40000)) as (_, client):
        problem(await client.get("/metrics"), 401)
        # A tenant's admin is not the platform operator: the metrics span every tenant.
        problem(await client.get("/metrics", headers=other_tenant.admin), 403)
        assert (await client.get("/metrics", headers=tenant.admin)).status_code == 200

        # Only the operator grants the scope; an ordinary key does not reach the metrics.
        refused = await client.post(
            "/api/api-keys",
            json={"name": "prometheus", "role": "viewer", "scopes": ["monitoring"]},
            headers=other_tenant.admin,
        )
        problem(refused, 403)
        created = await client.post(
            "/api/api-keys",
            json={"name": "prometheus", "role": "viewer", "scopes": ["monitoring"]},
            headers=tenant.admin,
        )
        assert created.status_code == 201, created.text
        assert created.json()["api_key"]["scopes"] == ["monitoring"]
        key = {"X-API-Key": created.json()["key"]}
        plain = await client.post(
            "/api/api-keys", json={"name": "sync", "role": "admin"}, headers=tenant.admin
        )
        assert plain.json()["api_key"]["scopes"] == []
        problem(await client.get("/metrics", headers={"X-API-Key": plain.json()["key"]}), 403)
        await scrape(client, key)
        # The scope gives no more than that within the organization: its role stays viewer.
        problem(await client.post("/api/teams", json={}, headers=key), 403)

        # The key answers to its creator's power: once they are no longer the operator,
        # it stops working.
        await session.execute(
            update(User).where(User.id == tenant.users[Role.ADMIN].id).values(is_superuser=False)
        )
        await session.commit()
        problem(await client.get("/metrics", headers=key), 401)


async def test_unknown_scopes_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    answer = await client.post(
        "/api/api-keys",
        json={"name": "x", "role": "viewer", "scopes": ["everything"]},
        headers=tenant.admin,
    )
    problem(answer, 422)
