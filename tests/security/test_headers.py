"""Transport security: the headers every response carries (errors included), HSTS only
over HTTPS, CORS only for configured origins, the request body limit, the OpenAPI pages
in production, and the admin's view of the effective security settings."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Environment, Settings
from shiftplanner.models import Team
from tests.assertions import PROBLEM, problem
from tests.conftest import TEST_SECRET, running
from tests.factories import Tenant

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
    limited = settings.model_copy(update={"rate_limit_api": "2/15minutes", "max_body_bytes": 1024})
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
            "rate_limit_auth": "9/10minutes",
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
    assert passwords["lockout_attempts"] == 7
    assert passwords["lockout_window_seconds"] == 1200
    limits = config["rate_limits"]
    assert limits["enabled"] is True
    assert limits["policies"] == {
        "api": "100000 per 900 s",
        "auth": "9 per 600 s",
        "graphql": "50 per 60 s",
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
