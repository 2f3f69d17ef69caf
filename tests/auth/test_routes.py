from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Role, User
from shiftplanner.runtime import Runtime
from shiftplanner.security import sessions
from shiftplanner.security.passwords import Passwords
from shiftplanner.security.tokens import TokenKind, Tokens, key_id
from tests.assertions import problem
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, Tenant, bearer, make_user

LOGIN = "/api/auth/login"
REFRESH = "/api/auth/refresh"
ME = "/api/auth/me"


def unauthorized(response: httpx.Response) -> dict[str, Any]:
    body = problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    return body


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


async def test_login_returns_working_tokens(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    user = tenant.users[Role.MANAGER]
    response = await login(client, user.email.upper())
    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == runtime.settings.jwt_access_ttl_seconds
    assert pair["refresh_expires_in"] == runtime.settings.jwt_refresh_ttl_seconds
    assert pair["access_token"] != pair["refresh_token"]

    me = await client.get(ME, headers=auth(pair["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["user"]["id"] == user.id
    assert me.json()["user"]["last_login_at"] is not None
    renewed = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200, renewed.text


async def test_wrong_password_and_unknown_email_look_the_same(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    wrong = unauthorized(await login(client, tenant.users[Role.ADMIN].email, "wrong password!"))
    unknown = unauthorized(await login(client, "nobody@example.com", "wrong password!"))
    wrong.pop("request_id", None)
    unknown.pop("request_id", None)
    assert wrong == unknown
    assert "access_token" not in wrong


async def test_an_inactive_user_cannot_sign_in(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    disabled = await make_user(session, runtime, tenant.org, Role.MANAGER, active=False)
    await session.commit()
    body = unauthorized(await login(client, disabled.email))
    wrong = unauthorized(await login(client, disabled.email, "wrong password!"))
    assert body["detail"] == wrong["detail"]


async def test_refresh_returns_a_new_working_pair(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = (await login(client, tenant.users[Role.ANALYST].email)).json()
    renewed = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    pair = renewed.json()
    assert pair["access_token"] != first["access_token"]
    assert pair["refresh_token"] != first["refresh_token"]
    me = await client.get(ME, headers=auth(pair["access_token"]))
    assert me.json()["user"]["id"] == tenant.users[Role.ANALYST].id
    again = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 200, again.text


async def test_tokens_only_work_for_their_purpose(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    pair = (await login(client, tenant.users[Role.ADMIN].email)).json()
    unauthorized(await client.get(ME, headers=auth(pair["refresh_token"])))
    unauthorized(await client.get("/api/analysts", headers=auth(pair["refresh_token"])))
    unauthorized(await client.post(REFRESH, json={"refresh_token": pair["access_token"]}))
    unauthorized(await client.get(ME))
    unauthorized(await client.get(ME, headers={"Authorization": f"Basic {pair['access_token']}"}))
    unauthorized(await client.get(ME, headers=auth("not.a.token")))


async def test_expired_tokens_are_refused(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, session: AsyncSession
) -> None:
    expired = Tokens(
        TEST_SECRET, access_ttl=timedelta(seconds=-60), refresh_ttl=timedelta(seconds=-60)
    )
    user = tenant.users[Role.ADMIN]
    access, _ = expired.issue(
        user_id=user.id, org_id=user.org_id, role=user.role, kind=TokenKind.ACCESS, family_id="f"
    )
    refresh, _ = expired.issue(
        user_id=user.id, org_id=user.org_id, role=user.role, kind=TokenKind.REFRESH, family_id="f"
    )
    unauthorized(await client.get(ME, headers=auth(access)))
    unauthorized(await client.post(REFRESH, json={"refresh_token": refresh}))
    # The same user with a fresh token is fine: only the expiry refused them.
    assert (await client.get(ME, headers=await bearer(session, runtime, user))).status_code == 200


def forged(secret: str, user: User, kind: TokenKind, *, kid: str, family_id: str = "f" * 32) -> str:
    now = datetime.now(UTC)
    payload = {
        "iss": "shiftplanner",
        "sub": str(user.id),
        "org": user.org_id,
        "role": user.role.value,
        "typ": kind.value,
        "jti": "f" * 32,
        "fam": family_id,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    return jwt.encode(payload, secret, algorithm="HS256", headers={"kid": kid})


@pytest.mark.parametrize("same_kid", [True, False])
async def test_tokens_signed_with_another_secret_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, same_kid: bool, session: AsyncSession
) -> None:
    other = "another-signing-secret-that-is-also-long-enough-987"
    user = tenant.users[Role.ADMIN]
    kid = key_id(TEST_SECRET if same_kid else other)
    unauthorized(await client.get(ME, headers=auth(forged(other, user, TokenKind.ACCESS, kid=kid))))
    refresh = forged(other, user, TokenKind.REFRESH, kid=kid)
    unauthorized(await client.post(REFRESH, json={"refresh_token": refresh}))
    unsigned = jwt.encode(
        jwt.decode(
            forged(other, user, TokenKind.ACCESS, kid=kid), options={"verify_signature": False}
        ),
        None,
        algorithm="none",
        headers={"kid": key_id(TEST_SECRET)},
    )
    unauthorized(await client.get(ME, headers=auth(unsigned)))
    # The same claims signed with the real secret are accepted.
    family = await sessions.open_family(session, user.id)
    await session.commit()
    genuine = forged(TEST_SECRET, user, TokenKind.ACCESS, kid=key_id(TEST_SECRET), family_id=family)
    assert (await client.get(ME, headers=auth(genuine))).status_code == 200


async def test_tokens_of_deactivated_or_deleted_users_are_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for role in (Role.MANAGER, Role.VIEWER):
        pair = (await login(client, tenant.users[role].email)).json()
        assert (await client.get(ME, headers=auth(pair["access_token"]))).status_code == 200
        url = f"/api/users/{tenant.users[role].id}"
        if role is Role.MANAGER:
            changed = await client.patch(url, json={"is_active": False}, headers=tenant.admin)
            assert changed.status_code == 200, changed.text
        else:
            assert (await client.delete(url, headers=tenant.admin)).status_code == 204
        unauthorized(await client.get(ME, headers=auth(pair["access_token"])))
        unauthorized(await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}))


async def test_me_shows_the_user_organization_and_linked_analyst(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    mine = await client.get(ME, headers=tenant.analyst)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["user"]["id"] == tenant.users[Role.ANALYST].id
    assert body["user"]["role"] == "analyst"
    assert "password_hash" not in body["user"]
    assert body["organization"]["id"] == tenant.org.id
    assert body["organization"]["slug"] == tenant.org.slug
    assert body["analyst_id"] == tenant.analysts[2].id

    admin = (await client.get(ME, headers=tenant.admin)).json()
    assert admin["analyst_id"] is None
    assert admin["user"]["is_superuser"] is True
    assert (await client.get(ME, headers=tenant.viewer)).json()["analyst_id"] is None


async def test_login_upgrades_a_hash_made_with_other_parameters(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    costlier = Passwords(runtime.settings.model_copy(update={"password_hash_time_cost": 2}))
    user = await make_user(session, runtime, tenant.org, Role.VIEWER)
    user.password_hash = await costlier.hash(PASSWORD)
    await session.commit()
    old_hash = user.password_hash
    assert runtime.passwords.needs_rehash(old_hash)

    assert (await login(client, user.email)).status_code == 200
    await session.commit()  # end the session's snapshot, so it reads the login's write
    new_hash = await session.scalar(select(User.password_hash).where(User.id == user.id))
    assert new_hash is not None
    assert new_hash != old_hash
    assert not runtime.passwords.needs_rehash(new_hash)
    assert await runtime.passwords.verify(new_hash, PASSWORD)
    assert (await login(client, user.email)).status_code == 200
