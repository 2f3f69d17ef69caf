"""Sign-ins as token families: the claims, the one-use refresh, logout, revocation on a
password change or deactivation, and key rotation. (Throttling failed sign-ins:
tests/security/login_throttle.)"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import jwt
from pydantic import SecretStr

from shiftplanner.config import Settings
from shiftplanner.models import Role
from shiftplanner.runtime import Runtime
from shiftplanner.security.tokens import key_id
from tests.assertions import problem
from tests.conftest import TEST_SECRET, make_settings, running
from tests.factories import PASSWORD, Tenant

LOGIN = "/api/auth/login"
REFRESH = "/api/auth/refresh"
LOGOUT = "/api/auth/logout"
ME = "/api/auth/me"
NEW_SECRET = "the-next-signing-secret-that-is-long-enough-24680"
NEW_PASSWORD = "a much longer new passphrase"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, Any]:
    response = await client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


async def attempt(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(REFRESH, json={"refresh_token": token})


async def alive(client: httpx.AsyncClient, pair: dict[str, Any]) -> bool:
    """Whether the pair's access token is accepted (without spending its refresh token)."""
    response = await client.get(ME, headers=auth(pair["access_token"]))
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header: dict[str, Any] = jwt.get_unverified_header(token)
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return header, claims


# --- tokens and refresh -------------------------------------------------------------


async def test_tokens_carry_the_sign_in_claims_and_default_lifetimes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    user = tenant.users[Role.MANAGER]
    pair = await sign_in(client, user.email)
    access_header, access = unverified(pair["access_token"])
    refresh_header, refreshing = unverified(pair["refresh_token"])
    for header, claims in ((access_header, access), (refresh_header, refreshing)):
        assert header["kid"] == key_id(TEST_SECRET)
        assert {"sub", "org", "role", "jti", "exp", "iat", "fam"} <= claims.keys()
        assert (claims["sub"], claims["org"], claims["role"]) == (
            str(user.id),
            user.org_id,
            "manager",
        )
    assert access["exp"] - access["iat"] == 15 * 60
    assert refreshing["exp"] - refreshing["iat"] == 7 * 24 * 3600
    assert access["fam"] == refreshing["fam"]
    assert access["jti"] != refreshing["jti"]
    other = await sign_in(client, user.email)
    assert unverified(other["access_token"])[1]["fam"] != access["fam"]


async def test_a_reused_refresh_token_ends_its_sign_in_only(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    email = tenant.users[Role.ANALYST].email
    first = await sign_in(client, email)
    bystander = await sign_in(client, email)
    renewed = await refresh(client, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert await alive(client, second)

    problem(await refresh(client, first["refresh_token"]), 401)
    assert not await alive(client, second)
    assert not await alive(client, first)
    problem(await refresh(client, second["refresh_token"]), 401)

    assert await alive(client, bystander)
    again = await refresh(client, bystander["refresh_token"])
    assert again.status_code == 200, again.text
    assert await alive(client, again.json())


async def test_concurrent_refreshes_with_one_token_succeed_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    pair = await sign_in(client, tenant.users[Role.VIEWER].email)
    answers = await asyncio.gather(
        refresh(client, pair["refresh_token"]), refresh(client, pair["refresh_token"])
    )
    assert sorted(answer.status_code for answer in answers) == [200, 401], [
        answer.text for answer in answers
    ]


# --- logout and revocation ------------------------------------------------------------


async def test_logout_ends_only_that_sign_in(client: httpx.AsyncClient, tenant: Tenant) -> None:
    email = tenant.users[Role.MANAGER].email
    leaving, staying = await sign_in(client, email), await sign_in(client, email)
    out = await client.post(LOGOUT, headers=auth(leaving["access_token"]))
    assert out.status_code == 204, out.text
    assert out.content == b""
    problem(await client.get(ME, headers=auth(leaving["access_token"])), 401)
    problem(await refresh(client, leaving["refresh_token"]), 401)
    problem(await client.post(LOGOUT, headers=auth(leaving["access_token"])), 401)
    assert await alive(client, staying)
    assert (await refresh(client, staying["refresh_token"])).status_code == 200


async def test_an_api_key_cannot_log_out(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await client.post(
        "/api/api-keys", json={"name": "ci", "role": "admin"}, headers=tenant.admin
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    problem(await client.post(LOGOUT, headers=auth(key)), 403)
    problem(await client.post(LOGOUT, headers={"X-API-Key": key}), 403)
    assert (await client.get("/api/teams", headers={"X-API-Key": key})).status_code == 200


async def test_a_password_change_ends_the_users_sign_ins(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    user = tenant.users[Role.VIEWER]
    pair = await sign_in(client, user.email)
    changed = await client.patch(
        f"/api/users/{user.id}", json={"password": NEW_PASSWORD}, headers=tenant.admin
    )
    assert changed.status_code == 200, changed.text
    assert not await alive(client, pair)
    problem(await refresh(client, pair["refresh_token"]), 401)
    problem(await client.get(ME, headers=tenant.viewer), 401)
    assert await alive(client, await sign_in(client, user.email, NEW_PASSWORD))
    # Other users keep their sign-ins.
    assert (await client.get(ME, headers=tenant.admin)).status_code == 200
    assert (await client.get(ME, headers=tenant.manager)).status_code == 200


async def test_a_refused_password_change_keeps_the_sign_ins(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    user = tenant.users[Role.VIEWER]
    pair = await sign_in(client, user.email)
    for common in ("password1234", "Qwertyuiop123"):
        refused = await client.patch(
            f"/api/users/{user.id}", json={"password": common}, headers=tenant.admin
        )
        body = problem(refused, 422)
        assert [entry.get("pointer") for entry in body["errors"]] == ["#/password"]
        problem(await attempt(client, user.email, common), 401)
    assert await alive(client, pair)
    created = await client.post(
        "/api/users",
        json={"email": "new@example.com", "role": "viewer", "password": "PASSWORD1234"},
        headers=tenant.admin,
    )
    assert [entry.get("pointer") for entry in problem(created, 422)["errors"]] == ["#/password"]
    problem(await attempt(client, "new@example.com", "PASSWORD1234"), 401)


async def test_deactivation_ends_sign_ins_for_good(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    user = tenant.users[Role.MANAGER]
    pair = await sign_in(client, user.email)
    url = f"/api/users/{user.id}"
    off = await client.patch(url, json={"is_active": False}, headers=tenant.admin)
    assert off.status_code == 200, off.text
    assert not await alive(client, pair)
    # Reactivating the account does not bring back the sign-ins that were ended.
    on = await client.patch(url, json={"is_active": True}, headers=tenant.admin)
    assert on.status_code == 200, on.text
    assert not await alive(client, pair)
    problem(await refresh(client, pair["refresh_token"]), 401)
    problem(await client.get(ME, headers=tenant.manager), 401)
    assert await alive(client, await sign_in(client, user.email))


# --- key rotation ----------------------------------------------------------------------


def rotated(settings: Settings, secret: str, *previous: str) -> Settings:
    return settings.model_copy(
        update={
            "jwt_secret": SecretStr(secret),
            "jwt_previous_secrets": [SecretStr(p) for p in previous],
        }
    )


async def test_a_previous_secret_keeps_tokens_working_until_it_is_dropped(
    settings: Settings, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # Fresh settings, as a restart with the new environment would read them.
    fresh = make_settings(settings.database_url)
    old = await sign_in(client, tenant.users[Role.ADMIN].email)
    async with running(rotated(fresh, NEW_SECRET, TEST_SECRET)) as (_, http):
        assert await alive(http, old)
        renewed = await refresh(http, old["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        new = renewed.json()
        assert unverified(new["access_token"])[0]["kid"] == key_id(NEW_SECRET)
        assert await alive(http, new)
        # A token signed before the rotation that was never refreshed.
        untouched = await sign_in(client, tenant.users[Role.ADMIN].email)
        assert await alive(http, untouched)
    async with running(rotated(fresh, NEW_SECRET)) as (_, http):
        assert not await alive(http, untouched)
        problem(await refresh(http, untouched["refresh_token"]), 401)
        assert await alive(http, new)


async def test_settings_copied_with_a_new_secret_sign_with_it(
    settings: Settings, runtime: Runtime, tenant: Tenant
) -> None:
    assert runtime.tokens.key_ids[0] == key_id(TEST_SECRET)
    old = {"Authorization": tenant.admin["Authorization"]}
    async with running(rotated(settings, NEW_SECRET)) as (_, http):
        pair = await sign_in(http, tenant.users[Role.ADMIN].email)
        assert unverified(pair["access_token"])[0]["kid"] == key_id(NEW_SECRET)
        problem(await http.get(ME, headers=old), 401)
