"""Transport security: the headers every response carries (errors included), HSTS only
over HTTPS, CORS only for configured origins, the request body limit, the OpenAPI pages
in production, and the admin's view of the effective security settings."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.app import create_app
from shiftplanner.config import Environment, Settings
from shiftplanner.models import Role, Team
from tests.assertions import PROBLEM, problem
from tests.conftest import TEST_SECRET, running
from tests.factories import PASSWORD, Tenant, make_assignment

ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.example.net"
PRODUCTION_SECRET = "p" * 24 + "r" * 24  # 48 characters
PREVIOUS_SECRET = "previous-signing-secret-rotated-out-0123456789"
REDIS_PASSWORD = "hunter2"
DOCS_PAGES = ("/docs", "/redoc", "/openapi.json")


def assert_security_headers(response: httpx.Response) -> str:
    """The headers every response carries; returns its Content-Security-Policy."""
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", response.request.url
    assert headers.get("referrer-policy") in {"no-referrer", "same-origin", "strict-origin"}
    assert headers.get("x-frame-options") == "DENY"
    permissions = headers.get("permissions-policy", "")
    assert "camera=()" in permissions
    assert "geolocation=()" in permissions
    assert "microphone=()" in permissions
    assert headers.get("cross-origin-opener-policy") == "same-origin"
    csp = str(headers.get("content-security-policy") or "")
    assert csp, f"no Content-Security-Policy on {response.request.method} {response.request.url}"
    assert "frame-ancestors 'none'" in csp
    return csp


def assert_strict_csp(response: httpx.Response) -> None:
    csp = assert_security_headers(response)
    directives = [part.strip() for part in csp.split(";")]
    assert "default-src 'none'" in directives
    assert not any(part.startswith("script-src") for part in directives), csp


def padded_team(code: str, size: int) -> bytes:
    """A valid team document padded with JSON whitespace to exactly `size` bytes."""
    body = json.dumps({"name": f"Team {code}", "code": code, "timezone": "Europe/Paris"})
    assert len(body) <= size
    return (body[:-1] + " " * (size - len(body)) + "}").encode()


async def team_count(session: AsyncSession, tenant: Tenant, code: str) -> int:
    await session.rollback()  # a fresh transaction sees what the app committed
    count = await session.scalar(
        select(func.count())
        .select_from(Team)
        .where(Team.org_id == tenant.org.id, Team.code == code)
    )
    return int(count or 0)


# ---------------------------------------------------------------- security headers


async def test_api_answers_and_errors_carry_the_security_headers(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = {"name": "Paris", "code": "PAR", "timezone": "Europe/Paris"}
    answers = [
        (200, await client.get("/health")),
        (200, await client.get("/api/teams", headers=tenant.admin)),
        (201, await client.post("/api/teams", json=team, headers=tenant.admin)),
        (401, await client.get("/api/teams")),
        (404, await client.get("/api/nothing-here", headers=tenant.admin)),
        (405, await client.put("/health")),
        (422, await client.post("/api/teams", json={"code": "!"}, headers=tenant.admin)),
    ]
    for status, response in answers:
        assert response.status_code == status, response.text
        assert_strict_csp(response)
        if status >= 400:
            problem(response, status)


async def test_an_unexpected_failure_carries_the_security_headers(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/explode-headers", explode)
    response = await client.get("/explode-headers")
    problem(response, 500)
    assert_strict_csp(response)
    assert response.headers.get("x-request-id")


async def test_refusals_by_middleware_carry_the_security_headers(
    settings: Settings, tenant: Tenant
) -> None:
    limited = settings.model_copy(update={"rate_limit_read": "2/15minutes", "max_body_bytes": 1024})
    async with running(limited) as (_, http):
        too_large = await http.post(
            "/api/teams", content=padded_team("BIG", 4096), headers=tenant.admin
        )
        problem(too_large, 413)
        assert_strict_csp(too_large)
        statuses = [(await http.get("/api/auth/me", headers=tenant.admin)) for _ in range(3)]
    assert [r.status_code for r in statuses[:2]] == [200, 200]
    refused = statuses[2]
    problem(refused, 429)
    assert refused.headers.get("retry-after")
    assert_strict_csp(refused)


async def test_the_docs_pages_load_from_the_app_alone_and_cannot_be_framed(
    client: httpx.AsyncClient,
) -> None:
    for page in ("/docs", "/redoc", "/docs/static/swagger-ui-bundle.js"):
        response = await client.get(page)
        assert response.status_code == 200
        csp = assert_security_headers(response)
        directives = [part.strip().split() for part in csp.split(";")]
        assert ["default-src", "'none'"] in directives
        sources = [source for _, *values in directives for source in values]
        # Only the app itself: no CDN, no font service, no host of any kind.
        external = [s for s in sources if s.startswith(("http", "//")) or "." in s]
        assert external == [], csp
        script_src = next(values for name, *values in directives if name == "script-src")
        assert "'self'" in script_src
    schema = await client.get("/openapi.json")
    assert schema.status_code == 200
    assert_strict_csp(schema)


# ---------------------------------------------------------------- HSTS


async def test_no_hsts_over_plain_http(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "strict-transport-security" not in response.headers


async def test_hsts_over_https(settings: Settings) -> None:
    async with running(settings, base_url="https://testserver") as (_, http):
        response = await http.get("/health")
    hsts = response.headers.get("strict-transport-security", "")
    assert "max-age=31536000" in hsts  # a year, the default
    assert "includeSubDomains" in hsts


@pytest.mark.parametrize(
    ("peer", "expected"), [("10.1.2.3", True), ("203.0.113.9", False)], ids=["trusted", "untrusted"]
)
async def test_hsts_behind_a_proxy_only_if_it_is_trusted(
    settings: Settings, peer: str, expected: bool
) -> None:
    proxied = settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    async with running(proxied, client_address=(peer, 40000)) as (_, http):
        forwarded = await http.get("/health", headers={"X-Forwarded-Proto": "https"})
        plain = await http.get("/health")
    assert ("strict-transport-security" in forwarded.headers) is expected
    assert "strict-transport-security" not in plain.headers


async def test_hsts_max_age_zero_turns_it_off(settings: Settings) -> None:
    async with running(
        settings.model_copy(update={"hsts_max_age_seconds": 0}), base_url="https://testserver"
    ) as (_, http):
        response = await http.get("/health")
    assert response.status_code == 200
    assert "strict-transport-security" not in response.headers
    assert_strict_csp(response)


# ---------------------------------------------------------------- CORS


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type",
    }


async def test_no_cors_by_default(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/api/teams", headers={**tenant.admin, "Origin": ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    refused = await client.options("/api/teams", headers=preflight(ORIGIN))
    assert refused.status_code != 200
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-methods" not in refused.headers
    assert_security_headers(refused)


@pytest.fixture
async def cors_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings.model_copy(update={"cors_origins": [ORIGIN]})) as (_, http):
        yield http


async def test_a_configured_origin_gets_cors_headers(
    cors_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    approved = await cors_client.options("/api/teams", headers=preflight(ORIGIN))
    assert approved.status_code == 200
    assert approved.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in approved.headers["access-control-allow-methods"]
    allowed = approved.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed
    assert_security_headers(approved)

    response = await cors_client.get("/api/teams", headers={**tenant.admin, "Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"etag", "x-request-id"} <= exposed
    assert "*" not in response.headers["access-control-allow-origin"]


async def test_a_browser_may_call_every_method_a_route_answers(
    cors_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """PUT (the team's schedule settings) was refused at the preflight once."""
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        asked = {**preflight(ORIGIN), "Access-Control-Request-Method": method}
        approved = await cors_client.options(
            f"/api/teams/{tenant.team.id}/schedule-settings", headers=asked
        )
        assert approved.status_code == 200, (method, approved.text)
        assert method in approved.headers["access-control-allow-methods"]
    put = await cors_client.put(
        f"/api/teams/{tenant.team.id}/schedule-settings",
        json={"weights": {"under_cover": 150}},
        headers={**tenant.admin, "Origin": ORIGIN},
    )
    assert put.status_code == 200, put.text
    assert put.headers["access-control-allow-origin"] == ORIGIN


async def test_another_origin_gets_no_cors_headers(
    cors_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await cors_client.get("/api/teams", headers={**tenant.admin, "Origin": OTHER_ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    refused = await cors_client.options("/api/teams", headers=preflight(OTHER_ORIGIN))
    assert refused.status_code != 200
    assert refused.headers.get("access-control-allow-origin") not in (OTHER_ORIGIN, "*")


# ---------------------------------------------------------------- body limit


@pytest.fixture
async def small_body_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings.model_copy(update={"max_body_bytes": 1024})) as (_, http):
        yield http


async def test_a_declared_oversized_body_is_413_and_creates_nothing(
    small_body_client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    body = padded_team("BIGDECL", 1025)
    response = await small_body_client.post(
        "/api/teams", content=body, headers={**tenant.admin, "Content-Type": "application/json"}
    )
    assert response.request.headers["content-length"] == "1025"
    detail = problem(response, 413)["detail"]
    assert "1024" in detail
    assert await team_count(session, tenant, "BIGDECL") == 0


async def test_a_streamed_oversized_body_is_413_and_creates_nothing(
    small_body_client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    body = padded_team("BIGSTRM", 3000)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    response = await small_body_client.post(
        "/api/teams", content=chunks(), headers={**tenant.admin, "Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    problem(response, 413)
    assert_strict_csp(response)
    assert await team_count(session, tenant, "BIGSTRM") == 0


async def test_a_body_just_under_the_limit_is_processed(
    small_body_client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    body = padded_team("FITS", 1024)
    response = await small_body_client.post(
        "/api/teams", content=body, headers={**tenant.admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["code"] == "FITS"
    assert await team_count(session, tenant, "FITS") == 1


async def test_a_key_given_twice_in_a_body_is_refused_and_creates_nothing(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    """`{"role": "viewer", "role": "admin"}` created an admin: the last key won."""
    body = (
        b'{"email": "twice@example.com", "role": "viewer", "role": "admin", '
        b'"password": "a long enough passphrase"}'
    )
    response = await client.post(
        "/api/users", content=body, headers={**tenant.admin, "Content-Type": "application/json"}
    )
    refused = problem(response, 422)
    assert refused["errors"] == [
        {"pointer": "#/role", "detail": "given more than once in the same object"}
    ]
    assert_strict_csp(response)
    users = await client.get("/api/users", headers=tenant.admin)
    assert "twice@example.com" not in users.text
    nested = b'{"items": [{"analyst_id": 1, "shift_type_id": 2, "date": "2030-01-07", "date": "2030-01-08"}]}'
    bulk = await client.post(
        "/api/schedules/bulk",
        content=nested,
        headers={**tenant.admin, "Content-Type": "application/json; charset=utf-8"},
    )
    assert problem(bulk, 422)["errors"][0]["pointer"] == "#/items/0/date"
    # The same key in two different objects is fine, as is the same value twice.
    fine = b'{"name": "Twice", "code": "TWC", "timezone": "UTC"}'
    created = await client.post(
        "/api/teams", content=fine, headers={**tenant.admin, "Content-Type": "application/json"}
    )
    assert created.status_code == 201, created.text


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[int]:
    """The app behind a real uvicorn server on a loopback port; its port."""
    application = create_app(settings)
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    # log_config=None as `serve` does: uvicorn's own would stop its loggers propagating
    # for every later test in this process.
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_config=None, lifespan="on"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.02)
        assert server.started, "uvicorn did not start"
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)


async def test_a_body_that_trickles_in_is_cut_off_with_408(
    settings: Settings, tenant: Tenant, session: AsyncSession
) -> None:
    """50 bytes declared, 9 sent, then nothing: the connection was held 20 s and more."""
    async with served(settings.model_copy(update={"request_body_timeout_seconds": 1.0})) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        token = tenant.admin["Authorization"]
        writer.write(
            b"POST /api/teams HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Authorization: {token}\r\nContent-Length: 50\r\n\r\n".encode()
            + b'{"name": '
        )
        await writer.drain()
        started = time.monotonic()
        answer = await asyncio.wait_for(reader.read(65536), 10)
        waited = time.monotonic() - started
        closed = await asyncio.wait_for(reader.read(), 5)  # the server hangs up
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"application/problem+json" in answer
    assert 0.9 <= waited < 3, waited
    assert closed == b""
    assert await team_count(session, tenant, "SLOW") == 0


async def test_a_body_that_arrives_in_time_in_pieces_is_processed(
    settings: Settings, tenant: Tenant
) -> None:
    body = padded_team("PIECES", 600)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 100):
            await asyncio.sleep(0.05)
            yield body[start : start + 100]

    config = settings.model_copy(update={"request_body_timeout_seconds": 2.0})
    async with running(config) as (_, http):
        response = await http.post(
            "/api/teams",
            content=chunks(),
            headers={**tenant.admin, "Content-Type": "application/json"},
        )
    assert response.status_code == 201, response.text


# ---------------------------------------------------------------- OpenAPI pages


def production(settings: Settings, **overrides: Any) -> Settings:
    return settings.model_copy(
        update={
            "env": Environment.PRODUCTION,
            "jwt_secret": SecretStr(PRODUCTION_SECRET),
            **overrides,
        }
    )


async def test_production_hides_the_openapi_pages(settings: Settings) -> None:
    assert len(PRODUCTION_SECRET) == 48
    async with running(production(settings)) as (_, http):
        for page in DOCS_PAGES:
            response = await http.get(page)
            assert response.status_code == 404, page
            assert response.headers["content-type"] == PROBLEM
            assert_security_headers(response)
        assert (await http.get("/health")).status_code == 200


async def test_production_shows_the_openapi_pages_when_enabled(settings: Settings) -> None:
    async with running(production(settings, docs_enabled=True)) as (_, http):
        for page in DOCS_PAGES:
            assert (await http.get(page)).status_code == 200, page


async def test_development_shows_the_openapi_pages(client: httpx.AsyncClient) -> None:
    for page in DOCS_PAGES:
        assert (await client.get(page)).status_code == 200, page
    assert "/api/teams" in (await client.get("/openapi.json")).json()["paths"]


# ---------------------------------------------------------------- security config view


async def test_the_security_config_reports_the_effective_settings_without_secrets(
    settings: Settings, tenant: Tenant
) -> None:
    configured = settings.model_copy(
        update={
            "redis_url": f"redis://:{REDIS_PASSWORD}@127.0.0.1:1/0",
            "jwt_previous_secrets": [SecretStr(PREVIOUS_SECRET)],
            "jwt_access_ttl_seconds": 600,
            "jwt_refresh_ttl_seconds": 86400,
            "login_lockout_attempts": 7,
            "login_lockout_window_seconds": 1200,
            "login_account_attempts": 30,
            "rate_limit_login": "9/10minutes",
            "rate_limit_graphql": "50/1minute",
            "trusted_proxies": ["10.0.0.0/8"],
            "cors_origins": [ORIGIN],
            "max_body_bytes": 4096,
            "docs_enabled": False,
            "audit_retention_days": 90,
        }
    )
    async with running(configured) as (_, http):
        response = await http.get("/monitoring/security/config", headers=tenant.admin)
        refused = await http.get("/monitoring/security/config", headers=tenant.manager)
    assert response.status_code == 200, response.text
    problem(refused, 403)
    for secret in (TEST_SECRET, PREVIOUS_SECRET, REDIS_PASSWORD):
        assert secret not in response.text
        assert secret not in refused.text
    config = response.json()

    tokens = config["tokens"]
    assert tokens["access_ttl_seconds"] == 600
    assert tokens["refresh_ttl_seconds"] == 86400
    assert len(tokens["accepted_previous_key_ids"]) == 1
    assert tokens["accepted_previous_key_ids"][0] != tokens["signing_key_id"]
    passwords = config["passwords"]
    assert (passwords["time_cost"], passwords["memory_kib"], passwords["parallelism"]) == (1, 8, 1)
    throttle = config["login_throttle"]
    assert throttle["failures_per_email_and_address"] == 7
    assert throttle["failures_per_email_before_delays"] == 30
    assert throttle["window_seconds"] == 1200
    limits = config["rate_limits"]
    assert (limits["enabled"], limits["preset"]) == (True, "standard")
    assert limits["policies"] == {
        "read": "read: 100000 per 900 s",
        "write": "write: 100000 per 900 s",
        "login": "login: 9 per 600 s",
        "refresh": "refresh: 100000 per 900 s",
        "graphql": "graphql: 50 per 60 s",
    }
    assert limits["storage"].startswith("redis")
    assert "127.0.0.1:1" in limits["storage"]
    assert limits["trusted_proxies"] == ["10.0.0.0/8"]
    transport = config["transport"]
    assert transport["cors_origins"] == [ORIGIN]
    assert transport["max_body_bytes"] == 4096
    assert transport["docs_enabled"] is False
    assert config["audit_retention_days"] == 90
    assert config["environment"] == "development"


async def test_the_security_config_says_memory_storage_without_redis(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get("/monitoring/security/config", headers=tenant.admin)
    assert response.status_code == 200
    config = response.json()
    assert config["rate_limits"]["storage"].startswith("memory")
    assert config["tokens"]["accepted_previous_key_ids"] == []
    assert config["transport"]["docs_enabled"] is True
    assert TEST_SECRET not in response.text
    assert (await client.get("/monitoring/security/config")).status_code == 401


# ---------------------------------------------------------------- caching


async def test_tokens_and_api_answers_are_never_kept_by_a_cache(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    login = await client.post(
        "/api/auth/login", json={"email": tenant.users[Role.VIEWER].email, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    assert login.headers["cache-control"] == "no-store"
    assert login.headers["pragma"] == "no-cache"
    renewed = await client.post(
        "/api/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    assert renewed.headers["cache-control"] == "no-store"
    for path in ("/api/auth/me", "/api/api-keys", "/monitoring/security/config"):
        response = await client.get(path, headers=tenant.admin)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store", path
    refused = await client.get("/api/teams")
    assert refused.headers["cache-control"] == "no-store"


async def test_an_answer_with_an_etag_is_revalidated_by_the_clients_cache_only(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    assignment = await make_assignment(
        session, tenant.analysts[0], tenant.shift_types[0], date(2030, 1, 7)
    )
    await session.commit()
    for path in (f"/api/schedules/{assignment.id}", "/api/teams"):
        response = await client.get(path, headers=tenant.admin)
        assert response.headers["etag"]
        assert response.headers["cache-control"] == "private, no-cache"


async def test_health_and_docs_keep_their_own_caching(client: httpx.AsyncClient) -> None:
    for path in ("/health", "/docs"):
        assert "cache-control" not in (await client.get(path)).headers
