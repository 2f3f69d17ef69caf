"""API keys: shown once, stored as a digest, acting with their role in their creator's
organization, revocable and expiring."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import ApiKey, AuditLog, Base, Role, User
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import PASSWORD, Tenant, bearer, make_user

URL = "/api/api-keys"
KEY_FORMAT = re.compile(r"spk_([0-9a-f]+)_([A-Za-z0-9_-]+)")


async def create_key(
    client: httpx.AsyncClient, tenant: Tenant, role: str = "viewer", **fields: Any
) -> tuple[str, dict[str, Any]]:
    """The full key and its record."""
    created = await client.post(
        URL, json={"name": f"{role} client", "role": role, **fields}, headers=tenant.admin
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body["key"], body["api_key"]


def as_bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def as_header(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def new_team(code: str) -> dict[str, str]:
    return {"name": f"Team {code}", "code": code, "timezone": "Europe/Berlin"}


async def test_only_admins_manage_keys(client: httpx.AsyncClient, tenant: Tenant) -> None:
    _, record = await create_key(client, tenant)
    for role in (Role.MANAGER, Role.ANALYST, Role.VIEWER):
        headers = tenant.headers[role]
        problem(await client.get(URL, headers=headers), 403)
        problem(await client.post(URL, json={"name": "x", "role": "admin"}, headers=headers), 403)
        problem(await client.get(f"{URL}/{record['id']}", headers=headers), 403)
        problem(await client.delete(f"{URL}/{record['id']}", headers=headers), 403)
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert [(item["id"], item["revoked_at"]) for item in listed] == [(record["id"], None)]


async def test_the_key_is_shown_once_and_works_in_both_headers(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    key, record = await create_key(client, tenant, name="prometheus")
    match = KEY_FORMAT.fullmatch(key)
    assert match is not None, key
    prefix, secret = match.groups()
    assert record["prefix"] == prefix
    assert (record["name"], record["role"], record["org_id"]) == (
        "prometheus",
        "viewer",
        tenant.org.id,
    )
    assert record["created_by_user_id"] == tenant.users[Role.ADMIN].id
    assert (record["expires_at"], record["last_used_at"], record["revoked_at"]) == (
        None,
        None,
        None,
    )
    assert "key" not in record

    listed = await client.get(URL, headers=tenant.admin)
    fetched = await client.get(f"{URL}/{record['id']}", headers=tenant.admin)
    for response in (listed, fetched):
        assert response.status_code == 200, response.text
        assert secret not in response.text
        assert '"key"' not in response.text
    assert fetched.json()["prefix"] == prefix

    for headers in (as_bearer(key), as_header(key)):
        teams = await client.get("/api/teams", headers=headers)
        assert teams.status_code == 200, teams.text
        assert [team["id"] for team in teams.json()["items"]] == [tenant.team.id]


async def test_a_key_acts_with_its_role(client: httpx.AsyncClient, tenant: Tenant) -> None:
    viewer, _ = await create_key(client, tenant, "viewer")
    manager, _ = await create_key(client, tenant, "manager")
    assert (await client.get("/api/analysts", headers=as_header(viewer))).status_code == 200
    problem(await client.post("/api/teams", json=new_team("VWR"), headers=as_header(viewer)), 403)
    analyst = {"name": "Key Made", "email": "key.made@example.com", "team_id": tenant.team.id}
    problem(await client.post("/api/analysts", json=analyst, headers=as_bearer(viewer)), 403)

    created = await client.post("/api/analysts", json=analyst, headers=as_bearer(manager))
    assert created.status_code == 201, created.text
    assert created.json()["org_id"] == tenant.org.id
    # A manager key is no admin: it can neither mint keys nor manage users.
    problem(
        await client.post(URL, json={"name": "x", "role": "admin"}, headers=as_bearer(manager)), 403
    )
    problem(await client.get("/api/users", headers=as_bearer(manager)), 403)
    admin, _ = await create_key(client, tenant, "admin")
    made = await client.post("/api/teams", json=new_team("ADM"), headers=as_header(admin))
    assert made.status_code == 201, made.text


async def test_use_is_recorded(client: httpx.AsyncClient, tenant: Tenant) -> None:
    key, record = await create_key(client, tenant)
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert (await client.get("/api/teams", headers=as_header(key))).status_code == 200
    fetched = (await client.get(f"{URL}/{record['id']}", headers=tenant.admin)).json()
    assert fetched["last_used_at"] is not None
    used = datetime.fromisoformat(fetched["last_used_at"])
    assert before <= used <= datetime.now(UTC) + timedelta(seconds=1)


async def test_wrong_or_unknown_keys_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    key, record = await create_key(client, tenant, "admin")
    prefix, secret = key.split("_", 2)[1:]
    wrong = f"spk_{prefix}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    for attempt in (wrong, f"spk_{prefix}_x", f"spk_000000000000_{secret}", f"spk_{prefix}_"):
        for headers in (as_bearer(attempt), as_header(attempt)):
            problem(await client.get("/api/teams", headers=headers), 401)
    fetched = (await client.get(f"{URL}/{record['id']}", headers=tenant.admin)).json()
    assert fetched["last_used_at"] is None
    assert (await client.get("/api/teams", headers=as_header(key))).status_code == 200


async def test_a_revoked_key_stops_working_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    key, record = await create_key(client, tenant)
    kept, _ = await create_key(client, tenant)
    assert (await client.get("/api/teams", headers=as_header(key))).status_code == 200
    revoked = await client.delete(f"{URL}/{record['id']}", headers=tenant.admin)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    problem(await client.get("/api/teams", headers=as_header(key)), 401)
    problem(await client.get("/api/teams", headers=as_bearer(key)), 401)
    problem(await client.delete(f"{URL}/{record['id']}", headers=tenant.admin), 409)
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert {item["id"]: item["revoked_at"] is not None for item in listed}[record["id"]]
    assert (await client.get("/api/teams", headers=as_header(kept))).status_code == 200


async def insert_key(session: AsyncSession, tenant: Tenant, expires_at: datetime) -> str:
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            org_id=tenant.org.id,
            name="inserted",
            prefix=prefix,
            secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
            role=Role.VIEWER,
            expires_at=expires_at,
            created_by_user_id=tenant.users[Role.ADMIN].id,
        )
    )
    await session.commit()
    return f"spk_{prefix}_{secret}"


async def test_an_expired_key_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    now = datetime.now(UTC)
    expired = await insert_key(session, tenant, now - timedelta(seconds=5))
    current = await insert_key(session, tenant, now + timedelta(hours=1))
    problem(await client.get("/api/teams", headers=as_header(expired)), 401)
    assert (await client.get("/api/teams", headers=as_header(current))).status_code == 200

    soon = (now + timedelta(minutes=5)).isoformat()
    key, record = await create_key(client, tenant, expires_at=soon)
    assert datetime.fromisoformat(record["expires_at"]) == datetime.fromisoformat(soon)
    assert (await client.get("/api/teams", headers=as_header(key))).status_code == 200


@pytest.mark.parametrize(
    "expires_at",
    [
        "2000-01-01T00:00:00Z",
        (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "2999-01-01T00:00:00",  # no time zone
    ],
    # The same names in every collection (parallel workers compare them).
    ids=["long-past", "a-minute-ago", "no-time-zone"],
)
async def test_an_expiry_must_be_a_future_moment(
    client: httpx.AsyncClient, tenant: Tenant, expires_at: str
) -> None:
    refused = await client.post(
        URL, json={"name": "late", "role": "viewer", "expires_at": expires_at}, headers=tenant.admin
    )
    body = problem(refused, 422)
    assert [entry.get("pointer") for entry in body["errors"]] == ["#/expires_at"]
    assert (await client.get(URL, headers=tenant.admin)).json()["items"] == []


async def test_a_key_has_no_user_and_acts_in_its_creators_org(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    key, record = await create_key(client, tenant, "admin")
    assert record["org_id"] == tenant.org.id
    problem(await client.get("/api/auth/me", headers=as_bearer(key)), 403)
    problem(await client.get("/api/auth/me", headers=as_header(key)), 403)
    users = (await client.get("/api/users", headers=as_header(key))).json()["items"]
    assert {user["org_id"] for user in users} == {tenant.org.id}
    foreign_team = f"/api/teams/{other_tenant.team.id}"
    problem(await client.get(foreign_team, headers=as_header(key)), 404)


async def test_keys_of_another_org_stay_out_of_reach(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine, own = await create_key(client, tenant)
    theirs, foreign = await create_key(client, other_tenant)
    problem(await client.get(f"{URL}/{foreign['id']}", headers=tenant.admin), 404)
    problem(await client.delete(f"{URL}/{foreign['id']}", headers=tenant.admin), 404)
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert [item["id"] for item in listed] == [own["id"]]
    assert foreign["prefix"] not in (await client.get(URL, headers=tenant.admin)).text
    # The attempt revoked nothing: their key still works, and stays theirs.
    teams = await client.get("/api/teams", headers=as_header(theirs))
    assert [team["id"] for team in teams.json()["items"]] == [other_tenant.team.id]
    kept = (await client.get(f"{URL}/{foreign['id']}", headers=other_tenant.admin)).json()
    assert kept["revoked_at"] is None
    assert mine != theirs


async def test_the_database_never_holds_the_secret(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant
) -> None:
    key, record = await create_key(client, tenant, "admin")
    secret = key.split("_", 2)[2]
    assert (await client.get("/api/teams", headers=as_bearer(key))).status_code == 200
    assert (await client.delete(f"{URL}/{record['id']}", headers=tenant.admin)).status_code == 200
    await session.commit()  # a fresh snapshot that sees the requests' writes
    stored = await session.scalar(select(ApiKey).where(ApiKey.id == record["id"]))
    assert stored is not None
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    for table in Base.metadata.sorted_tables:
        rows = (await session.execute(select(table))).all()
        for row in rows:
            assert secret not in repr(tuple(row)), table.name
            assert key not in repr(tuple(row)), table.name


# --- a key answers to its creator -------------------------------------------------------


async def creators_key(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> tuple[User, str, dict[str, Any]]:
    """A second admin, and an admin key they created."""
    creator = await make_user(session, runtime, tenant.org, Role.ADMIN)
    await session.commit()
    headers = await bearer(session, runtime, creator)
    created = await client.post(URL, json={"name": "sync", "role": "admin"}, headers=headers)
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert (await client.get("/api/users", headers=as_header(key))).status_code == 200
    return creator, key, created.json()["api_key"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"is_active": False}, "creator_disabled"),
        ({"role": "manager"}, "creator_demoted"),
        (None, "creator_deleted"),
    ],
)
async def test_a_key_dies_with_its_creators_power(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    change: dict[str, Any] | None,
    reason: str,
) -> None:
    creator, key, record = await creators_key(client, session, runtime, tenant)
    if change is None:
        done = await client.delete(f"/api/users/{creator.id}", headers=tenant.admin)
        assert done.status_code == 204, done.text
    else:
        done = await client.patch(f"/api/users/{creator.id}", json=change, headers=tenant.admin)
        assert done.status_code == 200, done.text
    # It cannot mint keys or create admins any more: it does not work at all.
    problem(await client.get("/api/users", headers=as_header(key)), 401)
    new_admin = {"email": "late@example.com", "role": "admin", "password": PASSWORD}
    problem(await client.post("/api/users", json=new_admin, headers=as_header(key)), 401)
    revoked = (await client.get(f"{URL}/{record['id']}", headers=tenant.admin)).json()
    assert revoked["revoked_at"] is not None
    assert revoked["revoked_reason"] == reason
    [entry] = (
        await session.scalars(
            select(AuditLog).where(
                AuditLog.action == "api_key.revoked", AuditLog.resource_id == record["id"]
            )
        )
    ).all()
    assert entry.actor_user_id == tenant.users[Role.ADMIN].id
    assert entry.changes is not None
    assert entry.changes["revoked_reason"] == {"old": None, "new": reason}


async def test_a_key_whose_creator_lost_power_outside_the_api_stops_working(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    """Belt and braces: even without its revocation (a change made in the database), a
    key never carries more power than its creator has now."""
    creator, key, _ = await creators_key(client, session, runtime, tenant)
    creator.role = Role.VIEWER
    await session.commit()
    problem(await client.get("/api/teams", headers=as_header(key)), 401)
    creator.role = Role.ADMIN
    await session.commit()
    assert (await client.get("/api/teams", headers=as_header(key))).status_code == 200


async def test_a_key_cannot_create_keys(client: httpx.AsyncClient, tenant: Tenant) -> None:
    key, _ = await create_key(client, tenant, "admin")
    minted = await client.post(URL, json={"name": "child", "role": "admin"}, headers=as_header(key))
    problem(minted, 403)
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert [item["name"] for item in listed] == ["admin client"]


async def test_other_admins_keys_survive_a_colleagues_departure(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    own, _ = await create_key(client, tenant, "viewer")
    creator, _, _ = await creators_key(client, session, runtime, tenant)
    done = await client.patch(
        f"/api/users/{creator.id}", json={"is_active": False}, headers=tenant.admin
    )
    assert done.status_code == 200, done.text
    assert (await client.get("/api/teams", headers=as_header(own))).status_code == 200
