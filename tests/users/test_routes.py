from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.models import Role
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import PASSWORD, Tenant, bearer, make_user

URL = "/api/users"
NEW_PASSWORD = "a much longer new passphrase"


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


def new_user(**fields: Any) -> dict[str, Any]:
    return {
        "email": "grace@example.com",
        "full_name": "Grace Hopper",
        "role": "manager",
        "password": PASSWORD,
        **fields,
    }


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_admin_creates_a_user_who_can_sign_in(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(URL, json=new_user(email="Grace@Example.com"), headers=tenant.admin)
    assert created.status_code == 201, created.text
    user = created.json()
    assert "password" not in user
    assert "password_hash" not in user
    assert PASSWORD not in created.text
    assert user["email"] == "grace@example.com"
    assert (user["role"], user["org_id"], user["is_active"]) == ("manager", tenant.org.id, True)
    assert user["is_superuser"] is False
    assert user["last_login_at"] is None

    fetched = await client.get(f"{URL}/{user['id']}", headers=tenant.admin)
    assert fetched.json()["full_name"] == "Grace Hopper"
    assert PASSWORD not in fetched.text
    listed = await client.get(URL, params={"role": "manager"}, headers=tenant.admin)
    assert [u["id"] for u in listed.json()["items"]] == [tenant.users[Role.MANAGER].id, user["id"]]
    assert PASSWORD not in listed.text

    signed_in = await login(client, "grace@example.com", PASSWORD)
    assert signed_in.status_code == 200, signed_in.text


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.VIEWER])
async def test_only_admins_manage_users(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    headers = tenant.headers[role]
    target = f"{URL}/{tenant.users[Role.VIEWER].id}"
    problem(await client.get(URL, headers=headers), 403)
    problem(await client.get(target, headers=headers), 403)
    problem(await client.post(URL, json=new_user(role="admin"), headers=headers), 403)
    problem(await client.patch(target, json={"role": "admin"}, headers=headers), 403)
    problem(await client.delete(target, headers=headers), 403)
    viewer = (await client.get(target, headers=tenant.admin)).json()
    assert viewer["role"] == "viewer"
    problem(await login(client, "grace@example.com", PASSWORD), 401)


async def test_short_passwords_and_bad_emails_are_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    short = await client.post(URL, json=new_user(password="x" * 11), headers=tenant.admin)
    assert pointers(problem(short, 422)) == ["#/password"]
    for email in ("not-an-email", "grace@", "grace example@example.com"):
        bad = await client.post(URL, json=new_user(email=email), headers=tenant.admin)
        assert pointers(problem(bad, 422)) == ["#/email"]
    problem(await login(client, "grace@example.com", "x" * 11), 401)
    exactly = await client.post(URL, json=new_user(password="x" * 12), headers=tenant.admin)
    assert exactly.status_code == 201, exactly.text


async def test_emails_are_unique_across_the_service(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    own = tenant.users[Role.VIEWER].email
    problem(await client.post(URL, json=new_user(email=own.upper()), headers=tenant.admin), 409)
    foreign = other_tenant.users[Role.ANALYST].email
    problem(await client.post(URL, json=new_user(email=foreign.title()), headers=tenant.admin), 409)
    listed = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert len(listed) == len(Role)


async def test_admin_changes_role_name_status_and_password(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    user = tenant.users[Role.VIEWER]
    url = f"{URL}/{user.id}"
    changed = await client.patch(
        url, json={"role": "manager", "full_name": "Vera Viewer"}, headers=tenant.admin
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["full_name"]) == ("manager", "Vera Viewer")
    # The new role applies to the token the user already holds.
    written = await client.post(
        "/api/analysts",
        json={"name": "New", "email": "new@example.com", "team_id": tenant.team.id},
        headers=tenant.viewer,
    )
    assert written.status_code == 201, written.text

    repassed = await client.patch(url, json={"password": NEW_PASSWORD}, headers=tenant.admin)
    assert repassed.status_code == 200, repassed.text
    assert NEW_PASSWORD not in repassed.text
    assert (await login(client, user.email, NEW_PASSWORD)).status_code == 200
    problem(await login(client, user.email, PASSWORD), 401)

    too_short = await client.patch(url, json={"password": "short"}, headers=tenant.admin)
    assert pointers(problem(too_short, 422)) == ["#/password"]
    assert (await login(client, user.email, NEW_PASSWORD)).status_code == 200

    disabled = await client.patch(url, json={"is_active": False}, headers=tenant.admin)
    assert disabled.json()["is_active"] is False
    problem(await login(client, user.email, NEW_PASSWORD), 401)
    problem(await client.get("/api/auth/me", headers=tenant.viewer), 401)
    problem(await client.patch(url, json={"role": None}, headers=tenant.admin), 422)


async def test_the_last_active_admin_stays(client: httpx.AsyncClient, tenant: Tenant) -> None:
    admin = f"{URL}/{tenant.users[Role.ADMIN].id}"
    problem(await client.patch(admin, json={"role": "manager"}, headers=tenant.admin), 409)
    problem(await client.patch(admin, json={"is_active": False}, headers=tenant.admin), 409)
    still = (await client.get(admin, headers=tenant.admin)).json()
    assert (still["role"], still["is_active"]) == ("admin", True)

    # With a second admin, the first may step down.
    promoted = await client.patch(
        f"{URL}/{tenant.users[Role.MANAGER].id}", json={"role": "admin"}, headers=tenant.admin
    )
    assert promoted.status_code == 200, promoted.text
    stepped_down = await client.patch(admin, json={"role": "viewer"}, headers=tenant.admin)
    assert stepped_down.status_code == 200, stepped_down.text
    problem(await client.get(URL, headers=tenant.admin), 403)
    # Now the former manager is the last one.
    last = f"{URL}/{tenant.users[Role.MANAGER].id}"
    problem(await client.patch(last, json={"is_active": False}, headers=tenant.manager), 409)


async def test_an_admin_cannot_delete_themself(client: httpx.AsyncClient, tenant: Tenant) -> None:
    # Another admin exists, so only the self-deletion rule can refuse.
    second = await client.post(URL, json=new_user(role="admin"), headers=tenant.admin)
    assert second.status_code == 201, second.text
    me = f"{URL}/{tenant.users[Role.ADMIN].id}"
    problem(await client.delete(me, headers=tenant.admin), 409)
    assert (await client.get(me, headers=tenant.admin)).status_code == 200

    viewer = f"{URL}/{tenant.users[Role.VIEWER].id}"
    assert (await client.delete(viewer, headers=tenant.admin)).status_code == 204
    problem(await client.get(viewer, headers=tenant.admin), 404)


async def test_deleting_a_user_unlinks_their_analyst(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    deleted = await client.delete(f"{URL}/{tenant.users[Role.ANALYST].id}", headers=tenant.admin)
    assert deleted.status_code == 204
    analyst = await client.get(f"/api/analysts/{tenant.analysts[2].id}", headers=tenant.admin)
    assert analyst.status_code == 200
    assert analyst.json()["user_id"] is None


async def test_a_deleted_users_id_is_never_given_to_the_next_user(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    # The newest user's id is the highest: the one SQLite would hand out again.
    leaver = await client.post(URL, json=new_user(email="leaver@example.com"), headers=tenant.admin)
    assert leaver.status_code == 201, leaver.text
    for _ in range(settings.login_lockout_attempts):
        problem(await login(client, "leaver@example.com", "not the password at all"), 401)
    gone = await client.delete(f"{URL}/{leaver.json()['id']}", headers=tenant.admin)
    assert gone.status_code == 204

    joiner = await client.post(URL, json=new_user(email="joiner@example.com"), headers=tenant.admin)
    assert joiner.status_code == 201, joiner.text
    assert joiner.json()["id"] > leaver.json()["id"]
    # The leaver's failed logins (and the rest of their audit trail) stay theirs.
    signed_in = await login(client, "joiner@example.com", PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    problem(await client.get(f"{URL}/{leaver.json()['id']}", headers=tenant.admin), 404)


async def test_the_platform_operator_creates_users_in_another_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await client.post(
        URL, json=new_user(role="admin", org_id=other_tenant.org.id), headers=tenant.admin
    )
    assert created.status_code == 201, created.text
    assert created.json()["org_id"] == other_tenant.org.id
    theirs = (await client.get(URL, headers=other_tenant.admin)).json()["items"]
    assert created.json()["id"] in [u["id"] for u in theirs]
    mine = (await client.get(URL, headers=tenant.admin)).json()["items"]
    assert created.json()["id"] not in [u["id"] for u in mine]

    tokens = (await login(client, "grace@example.com", PASSWORD)).json()
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["organization"]["id"] == other_tenant.org.id

    missing = await client.post(
        URL, json=new_user(email="x@example.com", org_id=987_654), headers=tenant.admin
    )
    assert pointers(problem(missing, 422)) == ["#/org_id"]


async def test_other_admins_cannot_create_users_elsewhere(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    refused = await client.post(
        URL, json=new_user(role="admin", org_id=tenant.org.id), headers=other_tenant.admin
    )
    problem(refused, 403)
    problem(await login(client, "grace@example.com", PASSWORD), 401)
    # Naming their own organization is allowed.
    own = await client.post(
        URL, json=new_user(org_id=other_tenant.org.id), headers=other_tenant.admin
    )
    assert own.status_code == 201, own.text
    assert own.json()["org_id"] == other_tenant.org.id


async def test_other_organizations_users_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = f"{URL}/{other_tenant.users[Role.VIEWER].id}"
    mine = f"{URL}/{tenant.users[Role.VIEWER].id}"
    problem(await client.get(mine, headers=other_tenant.admin), 404)
    problem(await client.get(theirs, headers=tenant.admin), 404)
    problem(await client.patch(theirs, json={"role": "admin"}, headers=tenant.admin), 404)
    problem(await client.delete(theirs, headers=tenant.admin), 404)
    still = (await client.get(theirs, headers=other_tenant.admin)).json()
    assert still["role"] == "viewer"


async def test_an_existing_token_stops_working_once_deactivated(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    extra = await make_user(session, runtime, tenant.org, Role.MANAGER)
    await session.commit()
    headers = await bearer(session, runtime, extra)
    assert (await client.get("/api/auth/me", headers=headers)).status_code == 200
    off = await client.patch(f"{URL}/{extra.id}", json={"is_active": False}, headers=tenant.admin)
    assert off.status_code == 200, off.text
    problem(await client.get("/api/analysts", headers=headers), 401)
    on = await client.patch(f"{URL}/{extra.id}", json={"is_active": True}, headers=tenant.admin)
    assert on.status_code == 200, on.text
    # Disabling ended the account's sign-ins: the old token stays dead, a new sign-in works.
    problem(await client.get("/api/analysts", headers=headers), 401)
    assert (
        await client.get("/api/analysts", headers=await bearer(session, runtime, extra))
    ).status_code == 200
