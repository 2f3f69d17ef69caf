"""Rate limiting as clients see it: the IETF RateLimit headers and 429 refusals, whose
quota a request counts against (reads, writes, sign-ins and refreshes apart; the strict
preset's shared counters), the moving window, one quota in Redis for every instance and
process, failing open when Redis is gone, and looking up quotas (never refused)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import structlog
from fastapi import FastAPI
from prometheus_client import REGISTRY

from shiftplanner.config import RateLimitPreset, Settings
from shiftplanner.models import Role
from shiftplanner.security import ratelimit
from tests.assertions import problem
from tests.conftest import TEST_SECRET, running
from tests.databases import ROOT
from tests.factories import PASSWORD, Tenant
from tests.redis_server import eventually, free_port, listening, start_redis
from tests.subprocesses import stop

TEAMS = "/api/teams"
LOGIN = "/api/auth/login"
REFRESH = "/api/auth/refresh"
LOOKUP = "/monitoring/security/rate-limit/"
RATE_LIMIT = re.compile(r'"(?P<policy>\w+)";r=(?P<r>\d+);t=(?P<t>\d+)')
NOBODY = {"email": "nobody@example.com", "password": "wrong password!"}


def limited(settings: Settings, **overrides: Any) -> Settings:
    return settings.model_copy(update=overrides)


def quota(response: httpx.Response, policy: str = "read") -> int:
    assert response.headers["RateLimit-Policy"].startswith(f'"{policy}";q='), response.headers
    match = RATE_LIMIT.fullmatch(response.headers.get("RateLimit", ""))
    assert match is not None, response.headers
    assert match["policy"] == policy
    return int(match["r"])


def passed(response: httpx.Response, status: int = 200, policy: str = "read") -> int:
    """Got through the limiter to the route; returns what is left of the quota."""
    assert response.status_code == status, response.text
    return quota(response, policy)


def refused(response: httpx.Response, policy: str = "read") -> None:
    problem(response, 429)
    assert re.fullmatch(r"[1-9][0-9]*", response.headers["Retry-After"]), response.headers
    assert quota(response, policy) == 0


@asynccontextmanager
async def client_at(app: FastAPI, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another client of the same app, connecting from `host`."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(host, 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def api_key(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    json = {"name": "hr-sync", "role": "viewer"}
    created = await client.post("/api/api-keys", json=json, headers=admin)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


@contextmanager
def servers(settings: Settings, count: int, logs: Path) -> Iterator[list[str]]:
    """`count` uvicorn processes of the service with these settings; their base URLs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")}
    names = ("database_url", "redis_url", "redis_key_prefix", "rate_limit_read")
    env |= {f"SHIFTPLANNER_{name.upper()}": str(getattr(settings, name)) for name in names}
    env |= {"SHIFTPLANNER_JWT_SECRET": TEST_SECRET, "SHIFTPLANNER_LOG_LEVEL": "warning"}
    env["SHIFTPLANNER_DISPATCHER_ENABLED"] = "false"
    with ExitStack() as stack:
        urls = []
        for n in range(count):
            port = free_port()
            log = stack.enter_context((logs / f"server-{n}.log").open("wb"))
            command = [sys.executable, "-m", "uvicorn", "shiftplanner.app:create_app"]
            command += ["--factory", "--host", "127.0.0.1", "--port", str(port)]
            process = subprocess.Popen(  # noqa: S603 (our own command)
                command, cwd=ROOT, env=env, stdout=log, stderr=log
            )
            stack.callback(stop, process)
            urls.append(f"http://127.0.0.1:{port}")
        yield urls


def server_logs(logs: Path) -> dict[str, str]:
    return {path.name: path.read_text()[-2000:] for path in sorted(logs.glob("server-*.log"))}


async def test_quota_counts_down_in_ietf_headers_then_429_never_reaches_the_route(
    settings: Settings, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    async with running(limited(settings, rate_limit_read="3/minute")) as (_, http):
        allowed = [await http.get(TEAMS, headers=tenant.admin) for _ in range(3)]
        response = await http.get(TEAMS, headers=tenant.admin)
    assert [r.status_code for r in allowed] == [200, 200, 200]
    for r, left in zip(allowed, [2, 1, 0], strict=True):
        assert r.headers["RateLimit-Policy"] == '"read";q=3;w=60'
        match = RATE_LIMIT.fullmatch(r.headers["RateLimit"])
        assert match is not None
        assert (match["policy"], int(match["r"])) == ("read", left)
        assert 0 < int(match["t"]) <= 60
    refused(response)
    assert int(response.headers["Retry-After"]) <= 60
    assert response.headers["RateLimit-Policy"] == '"read";q=3;w=60'


async def test_reads_and_writes_have_budgets_of_their_own(
    settings: Settings, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    team = {"name": "Singapore", "code": "SGP", "timezone": "Asia/Singapore"}
    config = limited(settings, rate_limit_read="3/minute", rate_limit_write="2/minute")
    async with running(config) as (_, http):
        assert passed(await http.post(TEAMS, json=team, headers=tenant.admin), 201, "write") == 1
        assert [passed(await http.get(TEAMS, headers=tenant.admin)) for _ in range(3)] == [2, 1, 0]
        refused(await http.get(TEAMS, headers=tenant.admin))
        # Reads used up, writes still go through; then they run out too, never reaching
        # the route.
        renamed = await http.patch(
            f"{TEAMS}/{tenant.team.id}", json={"name": "London"}, headers=tenant.admin
        )
        assert passed(renamed, 200, "write") == 0
        refused(await http.post(TEAMS, json={**team, "code": "NYC"}, headers=tenant.admin), "write")
    teams = await client.get(TEAMS, headers=tenant.admin)
    assert [t["code"] for t in teams.json()["items"]] == ["LDN", "SGP"]


async def test_the_strict_preset_is_the_product_documents_numbers_on_shared_counters(
    settings: Settings, tenant: Tenant
) -> None:
    strict = Settings(_env_file=None, rate_limit_preset=RateLimitPreset.STRICT).rate_limits()
    assert strict == {
        "read": ("api", "100/15minutes"),
        "write": ("api", "100/15minutes"),
        "login": ("auth", "5/15minutes"),
        "refresh": ("auth", "5/15minutes"),
        "graphql": ("graphql", "200/15minutes"),
    }
    config = settings.model_copy(
        update={
            "rate_limit_preset": RateLimitPreset.STRICT,
            "rate_limit_read": None,
            "rate_limit_write": None,
            "rate_limit_login": None,
            "rate_limit_refresh": None,
        }
    )
    team = {"name": "Singapore", "code": "SGP", "timezone": "Asia/Singapore"}
    async with running(config) as (_, http):
        read = await http.get(TEAMS, headers=tenant.admin)
        written = await http.post(TEAMS, json=team, headers=tenant.admin)
        assert (passed(read, 200, "api"), passed(written, 201, "api")) == (99, 98)
        assert read.headers["RateLimit-Policy"] == '"api";q=100;w=900'
        signs = [await http.post(LOGIN, json=NOBODY) for _ in range(4)]
        assert [passed(r, 401, "auth") for r in signs] == [4, 3, 2, 1]
        assert passed(await http.post(REFRESH, json={"refresh_token": "x"}), 401, "auth") == 0
        refused(await http.post(LOGIN, json=NOBODY), "auth")


async def test_each_user_and_each_api_key_has_its_own_quota(
    settings: Settings, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    key = (await api_key(client, tenant.admin))["key"]
    async with running(limited(settings, rate_limit_read="2/minute")) as (_, http):
        assert [passed(await http.get(TEAMS, headers=tenant.admin)) for _ in range(2)] == [1, 0]
        refused(await http.get(TEAMS, headers=tenant.admin))
        assert passed(await http.get(TEAMS, headers=tenant.viewer)) == 1
        # The key counts as itself, whichever header carries it.
        assert passed(await http.get(TEAMS, headers={"X-API-Key": key})) == 1
        assert passed(await http.get(TEAMS, headers={"Authorization": f"Bearer {key}"})) == 0
        refused(await http.get(TEAMS, headers={"X-API-Key": key}))
        assert passed(await http.get(TEAMS, headers=tenant.viewer)) == 0


async def test_anonymous_callers_and_invalid_tokens_count_against_the_client_address(
    settings: Settings, tenant: Tenant
) -> None:
    token = tenant.admin["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = {"Authorization": "Bearer " + jwt.encode(claims, "not-our-secret-" * 4, "HS256")}
    config = limited(settings, rate_limit_read="2/minute")
    async with running(config, client_address=("127.0.0.2", 50000)) as (app, http):
        assert passed(await http.get(TEAMS, headers=forged), 401) == 1
        assert passed(await http.get(TEAMS, headers={"Authorization": "Bearer junk"}), 401) == 0
        refused(await http.get(TEAMS))
        refused(await http.get(TEAMS, headers=forged))
        # The admin's own quota was not touched by the token forged in their name.
        assert passed(await http.get(TEAMS, headers=tenant.admin)) == 1
        async with client_at(app, "127.0.0.3") as neighbour:
            assert passed(await neighbour.get(TEAMS), 401) == 1


async def test_failed_api_keys_count_against_the_address_not_a_key(
    settings: Settings, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    created = await api_key(client, tenant.admin)
    guessed = {"X-API-Key": f"spk_{created['api_key']['prefix']}_guessed-secret"}
    made_up = {"X-API-Key": f"spk_{uuid.uuid4().hex[:12]}_guessed-secret"}
    async with running(limited(settings, rate_limit_read="2/minute")) as (_, http):
        assert [passed(await http.get(TEAMS, headers=guessed), 401) for _ in range(2)] == [1, 0]
        # The guesses used up the address's quota; a made-up key does not escape it...
        refused(await http.get(TEAMS))
        refused(await http.get(TEAMS, headers=made_up))
        # ...and the real key's own quota was not spent by someone else's guesses.
        assert passed(await http.get(TEAMS, headers={"X-API-Key": created["key"]})) == 1


async def test_sign_in_and_refresh_are_limited_per_client_address_on_budgets_of_their_own(
    settings: Settings, tenant: Tenant
) -> None:
    email = tenant.users[Role.ADMIN].email
    right = {"email": email, "password": PASSWORD}
    config = limited(settings, rate_limit_login="2/minute", rate_limit_refresh="2/minute")
    async with running(config, client_address=("127.0.0.2", 50000)) as (app, http):
        wrong = await http.post(LOGIN, json={"email": email, "password": "wrong password!"})
        signed_in = await http.post(LOGIN, json=right)
        assert [passed(wrong, 401, "login"), passed(signed_in, 200, "login")] == [1, 0]
        assert signed_in.headers["RateLimit-Policy"] == '"login";q=2;w=60'
        refused(await http.post(LOGIN, json=right), "login")
        # Bad refreshes spend the refresh budget, never the sign-in one, and the other way
        # round: a used-up sign-in budget leaves refreshing alone.
        refresh_token = signed_in.json()["refresh_token"]
        assert passed(await http.post(REFRESH, json={"refresh_token": "x"}), 401, "refresh") == 1
        renewed = await http.post(REFRESH, json={"refresh_token": refresh_token})
        assert passed(renewed, 200, "refresh") == 0
        refused(await http.post(REFRESH, json={"refresh_token": "x"}), "refresh")
        # Being signed in does not lift the address's sign-in limit.
        refused(await http.post(LOGIN, json=right, headers=tenant.admin), "login")
        async with client_at(app, "127.0.0.3") as neighbour:
            assert passed(await neighbour.post(LOGIN, json=right), 200, "login") == 1


async def test_policies_with_the_same_rate_keep_separate_counters(
    settings: Settings, tenant: Tenant
) -> None:
    right = {"email": tenant.users[Role.ADMIN].email, "password": PASSWORD}
    config = limited(settings, rate_limit_read="3/minute", rate_limit_login="3/minute")
    async with running(config) as (app, http):
        assert [passed(await http.get(TEAMS), 401) for _ in range(3)] == [2, 1, 0]
        refused(await http.get(TEAMS))
        assert passed(await http.post(LOGIN, json=right), 200, "login") == 2
        async with client_at(app, "127.0.0.3") as other:
            left = [passed(await other.post(LOGIN, json=NOBODY), 401, "login") for _ in range(3)]
            assert left == [2, 1, 0]
            refused(await other.post(LOGIN, json=right), "login")
            assert passed(await other.get(TEAMS), 401) == 2


@pytest.mark.parametrize("proxies", [[], ["10.0.0.0/8"]], ids=["no-proxy", "peer-not-a-proxy"])
async def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    settings: Settings, proxies: list[str]
) -> None:
    config = limited(settings, rate_limit_read="2/minute", trusted_proxies=proxies)
    async with running(config) as (_, http):
        spoofs = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "10.0.0.1, 203.0.113.4"]
        responses = [await http.get(TEAMS, headers={"X-Forwarded-For": ip}) for ip in spoofs]
    assert [passed(r, 401) for r in responses[:2]] == [1, 0]
    for response in responses[2:]:
        refused(response)


async def test_behind_a_trusted_proxy_the_nearest_untrusted_address_is_the_client(
    settings: Settings,
) -> None:
    def via(chain: str) -> dict[str, str]:
        return {"X-Forwarded-For": chain}

    proxies = ["127.0.0.1", "10.0.0.0/8"]
    config = limited(settings, rate_limit_read="2/minute", trusted_proxies=proxies)
    async with running(config) as (_, http):
        assert passed(await http.get(TEAMS, headers=via("203.0.113.7")), 401) == 1
        # What the client put further left is its own claim; trusted hops are skipped.
        assert passed(await http.get(TEAMS, headers=via("198.51.100.1, 203.0.113.7")), 401) == 0
        refused(await http.get(TEAMS, headers=via("203.0.113.7, 10.1.2.3")))
        assert passed(await http.get(TEAMS, headers=via("203.0.113.8")), 401) == 1
        assert passed(await http.get(TEAMS), 401) == 1  # the proxy's own request


class TooSlow(Exception):
    """The machine stalled longer than the window under test allows telling apart."""


async def window_edge_scenario(app: FastAPI, burst_host: str, spread_host: str) -> None:
    async with client_at(app, burst_host) as burst, client_at(app, spread_host) as spread:
        started = time.monotonic()
        first_burst = [await burst.get(TEAMS) for _ in range(3)]
        first_spread = await spread.get(TEAMS)
        first_done = time.monotonic()
        if first_done - started > 0.8:
            raise TooSlow
        assert [passed(r, 401) for r in first_burst] == [2, 1, 0]
        assert passed(first_spread, 401) == 2
        await asyncio.sleep(max(0.0, started + 1.1 - time.monotonic()))
        half_way = await burst.get(TEAMS)  # just past half the window: still used up
        second = time.monotonic()
        second_spread = [await spread.get(TEAMS) for _ in range(2)]
        await asyncio.sleep(max(0.0, first_done + 2.1 - time.monotonic()))
        # The first request has left the window, the two of a second ago have not: one
        # more, not a fresh quota at the edge of a fixed window.
        edge = [await spread.get(TEAMS), await spread.get(TEAMS)]
        if time.monotonic() > second + 1.9 or second - started > 1.9:
            raise TooSlow
        assert passed(await burst.get(TEAMS), 401) == 2
    assert [passed(r, 401) for r in second_spread] == [1, 0]
    refused(half_way)
    assert half_way.headers["RateLimit-Policy"] == '"read";q=3;w=2'
    assert passed(edge[0], 401) == 0
    refused(edge[1])


async def test_moving_window_allows_no_double_burst_at_the_window_edge(
    settings: Settings,
) -> None:
    config = limited(settings, rate_limit_read="3/2seconds")
    async with running(config) as (app, _):
        # A 2 s window is told apart by the clock; a stalled machine (a busy CI) voids
        # an attempt rather than failing it, and the next one uses fresh addresses.
        for attempt in range(3):
            try:
                await window_edge_scenario(app, f"127.0.1.{attempt + 1}", f"127.0.2.{attempt + 1}")
                return
            except TooSlow:
                continue
    pytest.fail("the machine was too slow three times to tell a 2 s window's edges apart")


async def test_disabled_rate_limiting_sends_no_headers_and_never_refuses(
    settings: Settings, tenant: Tenant
) -> None:
    config = limited(
        settings, rate_limit_enabled=False, rate_limit_read="1/minute", rate_limit_login="1/minute"
    )
    async with running(config) as (_, http):
        responses = [await http.get(TEAMS, headers=tenant.viewer) for _ in range(3)]
        responses += [await http.post(LOGIN, json=NOBODY) for _ in range(3)]
    assert [r.status_code for r in responses] == [200] * 3 + [401] * 3
    assert not any({"ratelimit", "ratelimit-policy"} & set(r.headers) for r in responses)


async def test_health_and_docs_are_not_counted(settings: Settings) -> None:
    async with running(limited(settings, rate_limit_read="2/minute")) as (_, http):
        uncounted = [await http.get(path) for path in ("/health", "/docs", "/health", "/docs")]
        assert [passed(await http.get(TEAMS), 401) for _ in range(2)] == [1, 0]
        refused(await http.get(TEAMS))
        uncounted += [await http.get("/health"), await http.get("/docs")]
    assert [r.status_code for r in uncounted] == [200] * 6
    assert not any({"ratelimit", "ratelimit-policy"} & set(r.headers) for r in uncounted)


async def test_two_app_instances_share_one_quota_in_redis(
    redis_settings: Settings, tenant: Tenant
) -> None:
    config = limited(redis_settings, rate_limit_read="4/minute")
    async with running(config) as (_, first), running(config) as (_, second):
        alternating = [await c.get(TEAMS, headers=tenant.admin) for c in (first, second) * 2]
        assert [passed(r) for r in alternating] == [3, 2, 1, 0]
        refused(await first.get(TEAMS, headers=tenant.admin))
        refused(await second.get(TEAMS, headers=tenant.admin))


async def test_two_server_processes_share_one_quota_in_redis(
    redis_settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    config = limited(redis_settings, rate_limit_read="4/minute")
    with servers(config, 2, tmp_path) as urls:
        async with httpx.AsyncClient(timeout=5) as http:

            async def healthy() -> bool:
                try:
                    return all([(await http.get(f"{u}/health")).status_code == 200 for u in urls])
                except httpx.TransportError:
                    return False

            assert await eventually(healthy, 30), server_logs(tmp_path)
            alternating = [await http.get(u + TEAMS, headers=tenant.admin) for u in urls * 2]
            assert [passed(r) for r in alternating] == [3, 2, 1, 0]
            for url in urls:
                refused(await http.get(url + TEAMS, headers=tenant.admin))


async def test_unreachable_redis_fails_open_counted_and_logged_once(
    settings: Settings, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    def storage_errors() -> float:
        name = "shiftplanner_rate_limit_storage_errors_total"
        return REGISTRY.get_sample_value(name, {"policy": "read"}) or 0.0

    port = free_port()
    redis_server = start_redis(port)
    try:
        assert await eventually(lambda: listening(port), 5), "redis-server did not start"
        url, prefix = f"redis://127.0.0.1:{port}/0", f"test-{uuid.uuid4().hex}"
        config = limited(settings, redis_url=url, redis_key_prefix=prefix)
        config.rate_limit_read = "5/minute"
        async with running(config) as (_, http):
            assert passed(await http.get(TEAMS, headers=tenant.viewer)) == 4
            redis_server.kill()
            redis_server.wait(timeout=5)
            # A fresh logger: one cached under an earlier app's set-up bypasses the capture.
            monkeypatch.setattr(ratelimit, "log", structlog.get_logger(ratelimit.__name__))
            before, started = storage_errors(), time.monotonic()
            with structlog.testing.capture_logs() as logs:
                responses = [await http.get(TEAMS, headers=tenant.viewer) for _ in range(3)]
            elapsed = time.monotonic() - started
    finally:
        stop(redis_server)
    assert [r.status_code for r in responses] == [200] * 3
    assert all("RateLimit" not in r.headers for r in responses)
    assert all(r.headers["RateLimit-Policy"] == '"read";q=5;w=60' for r in responses)
    assert storage_errors() - before == 3
    events = [e for e in logs if e["event"] == "rate_limit_storage_unreachable"]
    assert len(events) == 1, events
    # Each failed check is bounded by the storage timeouts (0.5 s to connect, 0.5 s to answer).
    assert elapsed < 3 * 1.0 + 1, f"failing open took {elapsed:.1f} s"


async def test_admin_sees_remaining_quotas_without_counting_a_request(
    settings: Settings, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    key = await api_key(client, tenant.admin)
    viewer = tenant.users[Role.VIEWER].id
    config = limited(settings, rate_limit_read="50/minute", rate_limit_login="7/minute")
    async with running(config) as (_, http):
        for _ in range(2):
            passed(await http.get(TEAMS, headers=tenant.viewer))
        passed(await http.get(TEAMS, headers={"X-API-Key": key["key"]}))
        looks = [await http.get(f"{LOOKUP}user:{viewer}", headers=tenant.admin) for _ in range(2)]
        by_key = await http.get(f"{LOOKUP}key:{key['api_key']['id']}", headers=tenant.admin)
        assert passed(await http.get(TEAMS, headers=tenant.viewer)) == 47
    for look in looks:
        assert look.status_code == 200, look.text
        assert look.json()["identifier"] == f"user:{viewer}"
        policies = look.json()["policies"]
        summary = [(q["policy"], q["limit"], q["remaining"]) for q in policies]
        assert summary == [
            ("read", 50, 48),
            ("write", 100_000, 100_000),
            ("login", 7, 7),
            ("refresh", 100_000, 100_000),
            ("graphql", 600, 600),
        ]
        assert policies[0]["window_seconds"] == 60
        assert 0 < policies[0]["reset_after_seconds"] <= 60
    assert by_key.status_code == 200, by_key.text
    assert {q["policy"]: q["remaining"] for q in by_key.json()["policies"]}["read"] == 49


async def test_quota_lookup_keeps_to_the_org_and_addresses_to_the_operator(
    settings: Settings, tenant: Tenant, other_tenant: Tenant, client: httpx.AsyncClient
) -> None:
    other_key = (await api_key(client, other_tenant.admin))["api_key"]["id"]
    other_user = other_tenant.users[Role.VIEWER].id
    async with running(limited(settings, rate_limit_read="50/minute")) as (_, http):
        assert passed(await http.get(TEAMS), 401) == 49  # anonymous, from 127.0.0.1
        problem(await http.get(f"{LOOKUP}user:{other_user}", headers=tenant.admin), 404)
        problem(await http.get(f"{LOOKUP}key:{other_key}", headers=tenant.admin), 404)
        own = await http.get(f"{LOOKUP}user:{other_user}", headers=other_tenant.admin)
        own_key = await http.get(f"{LOOKUP}key:{other_key}", headers=other_tenant.admin)
        assert [own.status_code, own_key.status_code] == [200, 200]
        problem(await http.get(f"{LOOKUP}ip:127.0.0.1", headers=other_tenant.admin), 403)
        operator = await http.get(f"{LOOKUP}ip:127.0.0.1", headers=tenant.admin)
    assert operator.status_code == 200, operator.text
    assert {q["policy"]: q["remaining"] for q in operator.json()["policies"]}["read"] == 49


async def test_quota_lookup_refuses_malformed_identifiers_and_non_admins(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    user = tenant.users[Role.VIEWER].id
    bad = ["user:abc", "user:", "key:-1", "user:" + "9" * 19, "ip:300.1.1.1", "ip:", "host:1"]
    bad += ["127.0.0.1", "user:" + "1" * 101, "user:²", "key:¹"]
    statuses = {m: (await client.get(LOOKUP + m, headers=tenant.admin)).status_code for m in bad}
    assert statuses == dict.fromkeys(bad, 422)
    problem(await client.get(f"{LOOKUP}user:abc", headers=tenant.admin), 422)
    for role in (Role.VIEWER, Role.ANALYST, Role.MANAGER):
        problem(await client.get(f"{LOOKUP}user:{user}", headers=tenant.headers[role]), 403)


async def test_looking_up_ones_own_quota_is_never_counted_nor_refused(
    settings: Settings, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    key = await api_key(client, tenant.admin)
    viewer = tenant.users[Role.VIEWER].id
    async with running(limited(settings, rate_limit_read="2/minute")) as (_, http):
        for headers in (tenant.viewer, tenant.admin, {"X-API-Key": key["key"]}):
            assert [passed(await http.get(TEAMS, headers=headers)) for _ in range(2)] == [1, 0]
            refused(await http.get(TEAMS, headers=headers))
        looks = [await http.get("/api/auth/rate-limit", headers=tenant.viewer) for _ in range(3)]
        by_key = await http.get("/api/auth/rate-limit", headers={"X-API-Key": key["key"]})
        admin_look = await http.get(f"{LOOKUP}user:{viewer}", headers=tenant.admin)
    for look in [*looks, by_key, admin_look]:
        assert look.status_code == 200, look.text
        assert "RateLimit" not in look.headers
        left = {q["policy"]: q["remaining"] for q in look.json()["policies"]}
        assert left["read"] == 0
    assert looks[0].json()["identifier"] == f"user:{viewer}"
    assert by_key.json()["identifier"] == f"key:{key['api_key']['id']}"
