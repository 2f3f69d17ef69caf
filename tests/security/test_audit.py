"""The audit trail: one entry per change with who, from where and what changed, refusals
and sign-ins, no secrets, the admin's read API, append-only storage and retention."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.models import AuditLog, AuditOutcome, OutboxEvent, Role, User
from shiftplanner.runtime import Runtime
from shiftplanner.security.audit.service import purge
from tests.assertions import problem
from tests.conftest import TEST_SECRET, running
from tests.databases import ROOT
from tests.factories import PASSWORD, Tenant

AUDIT = "/monitoring/security/audit-logs"
LOGIN = "/api/auth/login"
BULK = "/api/schedules/bulk"
AGENT = {"User-Agent": "audit-test/1.0"}
NEW_PASSWORD = "a brand new passphrase for audit 42"
WRONG_PASSWORD = "not the right passphrase at all 17"
Client = httpx.AsyncClient


async def rows(runtime: Runtime, **where: Any) -> list[AuditLog]:
    """Audit entries straight from the table (every organization), oldest first."""
    async with runtime.session_factory() as db:
        query = select(AuditLog).filter_by(**where).order_by(AuditLog.id)
        return list((await db.scalars(query)).all())


async def add_entries(session: AsyncSession, *entries: dict[str, Any]) -> list[int]:
    logs = [AuditLog(outcome=AuditOutcome.SUCCESS, **fields) for fields in entries]
    session.add_all(logs)
    await session.commit()
    return [log.id for log in logs]


def check(entry: AuditLog, **expected: Any) -> None:
    """The entry has these field values."""
    assert {name: getattr(entry, name) for name in expected} == expected


async def one(runtime: Runtime, response: httpx.Response) -> AuditLog:
    """The only entry the request wrote (found by its `X-Request-ID`)."""
    [entry] = await rows(runtime, request_id=response.headers["X-Request-ID"])
    return entry


async def listed(client: Client, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_change_is_audited_once_with_who_where_and_what(
    settings: Settings, runtime: Runtime, tenant: Tenant
) -> None:
    async with running(settings, client_address=("203.0.113.7", 4444)) as (_, http):
        url = f"/api/teams/{tenant.team.id}"
        response = await http.patch(
            url, json={"name": "Renamed team"}, headers=tenant.admin | AGENT
        )
    assert response.status_code == 200, response.text
    entry = await one(runtime, response)
    check(entry, action="team.updated", outcome="success", status_code=None, org_id=tenant.org.id)
    check(entry, actor_user_id=tenant.users[Role.ADMIN].id, actor_api_key_id=None)
    check(entry, client_ip="203.0.113.7", user_agent="audit-test/1.0")
    check(entry, resource_type="team", resource_id=tenant.team.id)
    assert entry.changes == {"name": {"old": "Team LDN", "new": "Renamed team"}}
    assert len(await rows(runtime, action="team.updated")) == 1


async def test_every_event_has_its_entry(client: Client, runtime: Runtime, tenant: Tenant) -> None:
    day, morning = "2030-03-04", tenant.shift_types[0].id
    items = [{"analyst_id": a.id, "shift_type_id": morning, "date": day} for a in tenant.analysts]
    response = await client.post(BULK, json={"items": items}, headers=tenant.manager)
    assert response.status_code == 200, response.text
    created = sorted(a["id"] for a in response.json()["created"])
    entries = await rows(runtime, request_id=response.headers["X-Request-ID"])
    assert sorted(e.resource_id or 0 for e in entries if e.action == "schedule.created") == created
    assert all(e.actor_user_id == tenant.users[Role.MANAGER].id for e in entries)
    assert all(e.client_ip == "127.0.0.1" for e in entries)
    async with runtime.session_factory() as db:
        events = (await db.execute(select(OutboxEvent.event_type, OutboxEvent.resource_id))).all()
    # The change's events and its entries are the same set: one entry per event.
    assert Counter((e.action, e.resource_id) for e in entries) == Counter(map(tuple, events))


async def test_a_refused_bulk_write_leaves_only_its_refusal(
    client: Client, runtime: Runtime, tenant: Tenant
) -> None:
    analyst, morning = tenant.analysts[0], tenant.shift_types[0]
    twice = {"analyst_id": analyst.id, "shift_type_id": morning.id, "date": "2030-03-04"}
    response = await client.post(
        BULK, json={"items": [twice, twice]}, headers=tenant.manager | AGENT
    )
    problem(response, 409)
    assert await rows(runtime, action="schedule.created") == []
    [entry] = await rows(runtime)
    check(entry, action="POST /api/schedules/bulk", outcome="failure", status_code=409)
    check(entry, org_id=tenant.org.id, actor_user_id=tenant.users[Role.MANAGER].id)
    check(entry, request_id=response.headers["X-Request-ID"], resource_type="schedules")
    check(entry, client_ip="127.0.0.1", user_agent="audit-test/1.0")


async def test_forbidden_and_unauthenticated_writes_are_audited_as_denied(
    client: Client, runtime: Runtime, tenant: Tenant
) -> None:
    url = f"/api/teams/{tenant.team.id}"
    forbidden = await client.patch(url, json={"name": "Nope"}, headers=tenant.manager)
    problem(forbidden, 403)
    anonymous = await client.post("/api/teams", json={"name": "X", "code": "X", "timezone": "UTC"})
    problem(anonymous, 401)
    assert await rows(runtime, action="team.updated") == []
    denied = await one(runtime, forbidden)
    check(denied, action="PATCH /api/teams/{team_id}", outcome="denied", status_code=403)
    check(denied, org_id=tenant.org.id, actor_user_id=tenant.users[Role.MANAGER].id)
    check(denied, resource_type="teams", resource_id=tenant.team.id)
    unknown = await one(runtime, anonymous)
    check(unknown, action="POST /api/teams", outcome="denied", status_code=401)
    check(unknown, org_id=None, actor_user_id=None, client_ip="127.0.0.1")


async def test_reads_are_not_audited(client: Client, runtime: Runtime, tenant: Tenant) -> None:
    assert (await client.get("/api/teams", headers=tenant.viewer)).status_code == 200
    problem(await client.get("/api/users", headers=tenant.viewer), 403)
    problem(await client.get("/api/teams"), 401)
    problem(await client.get(AUDIT, headers=tenant.manager), 403)
    assert await rows(runtime) == []


async def test_sign_ins_and_logout_are_audited(
    client: Client, runtime: Runtime, tenant: Tenant
) -> None:
    user = tenant.users[Role.ANALYST]
    ok = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD}, headers=AGENT)
    assert ok.status_code == 200, ok.text
    wrong = await client.post(LOGIN, json={"email": user.email, "password": WRONG_PASSWORD})
    problem(wrong, 401)
    unknown = await client.post(LOGIN, json={"email": "ghost@example.com", "password": PASSWORD})
    problem(unknown, 401)
    token = ok.json()["access_token"]
    out = await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 204, out.text

    account = {"org_id": tenant.org.id, "resource_type": "user", "resource_id": user.id}
    success = await one(runtime, ok)
    check(success, action="auth.login", outcome="success", actor_user_id=user.id, **account)
    check(success, client_ip="127.0.0.1", user_agent="audit-test/1.0")
    failed = await one(runtime, wrong)
    check(failed, action="auth.login", outcome="failure", actor_user_id=None, **account)
    check(failed, details={"email": user.email})
    nobody = await one(runtime, unknown)
    check(nobody, action="auth.login", outcome="failure", org_id=None, resource_id=None)
    check(nobody, resource_type=None, details={"email": "ghost@example.com"})
    logout = await one(runtime, out)
    check(logout, action="auth.logout", outcome="success", actor_user_id=user.id, **account)
    dump = json.dumps([e.details for e in await rows(runtime)])
    assert WRONG_PASSWORD not in dump
    assert PASSWORD not in dump


async def test_the_lockout_is_audited_once_then_logins_are_denied(
    settings: Settings, runtime: Runtime, tenant: Tenant
) -> None:
    user = tenant.users[Role.VIEWER]
    policy = {"login_lockout_attempts": 3, "login_lockout_window_seconds": 60}
    wrong, right = ({"email": user.email, "password": p} for p in (WRONG_PASSWORD, PASSWORD))
    async with running(settings.model_copy(update=policy)) as (_, http):
        failures = [await http.post(LOGIN, json=wrong) for _ in range(3)]
        locked = [await http.post(LOGIN, json=right) for _ in range(2)]
    assert [r.status_code for r in failures + locked] == [401, 401, 401, 429, 429]
    account = {"org_id": tenant.org.id, "resource_type": "user", "resource_id": user.id}
    [lockout] = await rows(runtime, action="auth.lockout")
    check(lockout, request_id=failures[-1].headers["X-Request-ID"], outcome="denied", **account)
    check(lockout, details={"rule": "account_from_address", "client_ip": "127.0.0.1"})
    for response in locked:
        denied = await one(runtime, response)
        check(denied, action="auth.login", outcome="denied", **account)
        check(denied, details={"reason": "throttled", "rule": "account_from_address"})
    assert await rows(runtime, action="auth.login", outcome=AuditOutcome.SUCCESS) == []


async def test_refresh_token_reuse_is_audited_as_denied(
    client: Client, runtime: Runtime, tenant: Tenant
) -> None:
    user = tenant.users[Role.MANAGER]
    pair = (await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})).json()
    first = await client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert first.status_code == 200, first.text
    reused = await client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    problem(reused, 401)
    [entry] = await rows(runtime, action="auth.refresh_reused")
    check(entry, request_id=reused.headers["X-Request-ID"], outcome="denied", org_id=tenant.org.id)
    check(entry, resource_type="user", resource_id=user.id)


async def make_key(client: Client, tenant: Tenant, name: str) -> tuple[int, str]:
    body = {"name": name, "role": "viewer"}
    response = await client.post("/api/api-keys", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return response.json()["api_key"]["id"], response.json()["key"]


async def test_api_key_use_is_audited_at_most_once_a_minute(
    client: Client, runtime: Runtime, tenant: Tenant
) -> None:
    key_id, key = await make_key(client, tenant, "scraper")
    for n in range(6):
        headers = {"X-API-Key": key} if n % 2 else {"Authorization": f"Bearer {key}"}
        assert (await client.get("/api/teams", headers=headers)).status_code == 200
    [used] = await rows(runtime, action="api_key.used")
    check(used, outcome="success", org_id=tenant.org.id, resource_type="api_key")
    check(used, resource_id=key_id, actor_api_key_id=key_id, actor_user_id=None)


async def test_a_burst_of_requests_with_a_key_audits_its_use_once(
    client: Client, runtime: Runtime, tenant: Tenant
) -> None:
    key_id, key = await make_key(client, tenant, "burst")
    responses = await asyncio.gather(
        *(client.get("/api/teams", headers={"X-API-Key": key}) for _ in range(5))
    )
    assert [r.status_code for r in responses] == [200] * 5
    assert len(await rows(runtime, action="api_key.used", resource_id=key_id)) == 1


async def test_a_role_change_shows_old_and_new_role(
    client: Client, runtime: Runtime, tenant: Tenant
) -> None:
    viewer = tenant.users[Role.VIEWER]
    url = f"/api/users/{viewer.id}"
    response = await client.patch(url, json={"role": "manager"}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    [entry] = await rows(runtime, action="user.updated")
    check(entry, resource_type="user", resource_id=viewer.id)
    check(
        entry,
        actor_user_id=tenant.users[Role.ADMIN].id,
        request_id=response.headers["X-Request-ID"],
    )
    assert entry.changes == {"role": {"old": "viewer", "new": "manager"}}


def _reset_cached_loggers() -> None:
    """structlog caches each module's logger with the configuration of its first use,
    which an earlier app of this test session set; forget it so the next use takes the
    current configuration (and capture_logs sees it)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("shiftplanner"):
            for value in list(vars(module).values()):
                if type(value).__name__ == "BoundLoggerLazyProxy":
                    vars(value).pop("bind", None)


async def test_no_secret_reaches_the_audit_trail_or_the_logs(
    settings: Settings, runtime: Runtime, tenant: Tenant
) -> None:
    first_password, email = "the first passphrase of a new user 9", "new@example.com"
    verbose = settings.model_copy(update={"log_level": "debug"})
    async with running(verbose) as (_, http):
        _reset_cached_loggers()
        try:
            with structlog.testing.capture_logs() as logs:
                body = {"email": email, "role": "viewer", "password": first_password}
                created = await http.post("/api/users", json=body, headers=tenant.admin)
                assert created.status_code == 201, created.text
                user_id = created.json()["id"]
                async with runtime.session_factory() as db:
                    old_hash = (await db.get_one(User, user_id)).password_hash
                body = {"password": NEW_PASSWORD}
                changed = await http.patch(f"/api/users/{user_id}", json=body, headers=tenant.admin)
                assert changed.status_code == 200, changed.text
                signins = [
                    await http.post(LOGIN, json={"email": email, "password": password})
                    for password in (WRONG_PASSWORD, first_password, NEW_PASSWORD)
                ]
                assert [r.status_code for r in signins] == [401, 401, 200]
                tokens = signins[-1].json()
                _, key = await make_key(http, tenant, "secret-check")
                assert (await http.get("/api/teams", headers={"X-API-Key": key})).status_code == 200
        finally:
            _reset_cached_loggers()
    async with runtime.session_factory() as db:
        new_hash = (await db.get_one(User, user_id)).password_hash
        everything = select(AuditLog.__table__).order_by(AuditLog.id)
        table = [dict(row) for row in (await db.execute(everything)).mappings()]
    secrets = [first_password, NEW_PASSWORD, WRONG_PASSWORD, old_hash, new_hash, key]
    # The secret part whole: it may itself contain "_" (token_urlsafe).
    secrets += [key.split("_", 2)[2], tokens["access_token"], tokens["refresh_token"]]
    secrets += [h["Authorization"].split()[1] for h in tenant.headers.values()]
    dump = json.dumps(table, default=str)
    logins = ["auth.login"] * 3
    expected = ["user.created", "user.updated", *logins, "api_key.created", "api_key.used"]
    assert [r["action"] for r in table] == expected
    assert [s for s in secrets if s in dump] == []
    assert "eyJ" not in dump  # no JWT of any kind
    [change] = [r for r in table if r["action"] == "user.updated"]
    assert change["changes"] == {"password": {"changed": True}}

    rendered = [structlog.processors.JSONRenderer()(None, "info", dict(e)) for e in logs]
    assert any('"request"' in line for line in rendered)  # the capture saw the requests
    assert [s for s in secrets if any(s in line for line in rendered)] == []
    assert not any("eyJ" in line for line in rendered)


async def test_the_audit_log_api_is_admin_only_newest_first_and_paged(
    client: Client, session: AsyncSession, tenant: Tenant
) -> None:
    start = datetime(2026, 5, 1, 9, tzinfo=UTC)
    # Some entries share an instant: the id orders them.
    times = [start + timedelta(minutes=n // 2) for n in range(13)]
    entries = ({"org_id": tenant.org.id, "action": "t", "occurred_at": t} for t in times)
    ids = await add_entries(session, *entries)
    problem(await client.get(AUDIT, headers=tenant.manager), 403)
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = await client.get(AUDIT, params=params, headers=tenant.admin)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), seen
    assert seen == [i for _, i in sorted(zip(times, ids, strict=True), reverse=True)]


async def test_the_audit_log_api_filters_by_date(
    client: Client, session: AsyncSession, tenant: Tenant
) -> None:
    moments = ["2026-02-28T23:59:59", "2026-03-01T00:00:00", "2026-03-01T12:30:00"]
    moments += ["2026-03-01T23:59:59.5", "2026-03-02T00:00:00"]
    at = [datetime.fromisoformat(m).replace(tzinfo=UTC) for m in moments]
    ids = await add_entries(
        session, *({"org_id": tenant.org.id, "action": "t", "occurred_at": t} for t in at)
    )

    async def found(**params: str) -> set[int]:
        return {e["id"] for e in await listed(client, tenant.admin, **params)}

    assert await found(startDate="2026-03-01", endDate="2026-03-01") == set(ids[1:4])
    assert await found(startDate="2026-03-01") == set(ids[1:])
    assert await found(endDate="2026-02-28") == {ids[0]}
    assert await found(startDate="2026-03-01T12:00:00Z", endDate="2026-03-02") == set(ids[2:5])
    assert await found(startDate="2026-03-01T13:00:00+01:00") == set(ids[2:])
    assert await found(startDate="2026-03-01T00:00:00", endDate="2026-03-01T12:00:00") == {ids[1]}
    # The snake_case names, as everywhere else in the API, mean the same.
    assert await found(start_date="2026-03-01", end_date="2026-03-01") == set(ids[1:4])
    assert await found(start_date="2026-03-01", endDate="2026-03-01") == set(ids[1:4])
    bad = [("startDate", "yesterday"), ("endDate", "2026-13-01"), ("endDate", "2026-03-01T25:00")]
    bad += [("start_date", "yesterday")]
    for name, value in bad:
        body = problem(await client.get(AUDIT, params={name: value}, headers=tenant.admin), 422)
        assert [e["parameter"] for e in body["errors"]] == [name]
    inverted = {"start_date": "2026-03-02", "end_date": "2026-03-01"}
    body = problem(await client.get(AUDIT, params=inverted, headers=tenant.admin), 422)
    assert [e["parameter"] for e in body["errors"]] == ["end_date"]
    both = {"start_date": "2026-03-02", "startDate": "2026-03-01"}
    problem(await client.get(AUDIT, params=both, headers=tenant.admin), 422)
    typo = problem(
        await client.get(AUDIT, params={"start": "2026-03-01"}, headers=tenant.admin), 422
    )
    assert [e["parameter"] for e in typo["errors"]] == ["start"]


async def test_the_audit_log_api_filters_and_keeps_organizations_apart(
    client: Client, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine, theirs = tenant.users[Role.MANAGER].id, other_tenant.users[Role.ADMIN].id
    spec = [
        (tenant.org.id, mine, "team.updated", "team"),
        (tenant.org.id, mine, "auth.login", "user"),
        (tenant.org.id, None, "team.updated", "team"),
        (other_tenant.org.id, theirs, "team.updated", "team"),
        (None, None, "auth.login", None),
    ]
    names = ("org_id", "actor_user_id", "action", "resource_type")
    ids = await add_entries(session, *(dict(zip(names, s, strict=True)) for s in spec))

    async def found(**params: Any) -> list[int]:
        return sorted(e["id"] for e in await listed(client, tenant.admin, **params))

    assert await found() == ids[:3]
    assert await found(userId=mine) == ids[:2]
    assert await found(user_id=mine) == ids[:2]
    assert await found(action="team.updated") == [ids[0], ids[2]]
    assert await found(resourceType="user") == [ids[1]]
    assert await found(resource_type="user") == [ids[1]]
    assert await found(userId=mine, action="auth.login") == [ids[1]]
    assert await found(userId=theirs) == []
    assert [e["id"] for e in await listed(client, other_tenant.admin)] == [ids[3]]


async def test_audit_rows_cannot_be_updated(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    [entry_id] = await add_entries(session, {"org_id": tenant.org.id, "action": "auth.login"})
    async with runtime.session_factory() as db:
        forge = text("UPDATE audit_logs SET action = 'forged' WHERE id = :id")
        with pytest.raises(DBAPIError, match="append-only"):
            await db.execute(forge, {"id": entry_id})
    [entry] = await rows(runtime)
    assert (entry.id, entry.action) == (entry_id, "auth.login")


async def test_no_route_changes_or_deletes_audit_entries(client: Client, tenant: Tenant) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    audit_paths = {path: set(ops) for path, ops in paths.items() if "audit" in path}
    assert audit_paths == {AUDIT: {"get"}}
    for method in ("DELETE", "PATCH", "PUT"):
        response = await client.request(method, AUDIT, headers=tenant.admin)
        assert response.status_code == 405, response.text


def _ages(now: datetime, org_id: int) -> list[dict[str, Any]]:
    ages = {days: now - timedelta(days=days, hours=1) for days in (400, 31, 30, 29, 0)}
    return [{"org_id": org_id, "action": f"age.{d}", "occurred_at": t} for d, t in ages.items()]


async def test_purge_deletes_only_entries_past_retention(
    session: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    await add_entries(session, *_ages(datetime.now(UTC), tenant.org.id))
    assert await purge(runtime.session_factory, retention_days=30) == 3
    assert [e.action for e in await rows(runtime)] == ["age.29", "age.0"]
    assert await purge(runtime.session_factory, retention_days=30) == 0


async def test_the_cli_purges_old_entries(
    session: AsyncSession, runtime: Runtime, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    await add_entries(session, *_ages(datetime.now(UTC), tenant.org.id))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")}
    env |= {
        "SHIFTPLANNER_DATABASE_URL": database_url,
        "SHIFTPLANNER_JWT_SECRET": TEST_SECRET,
        "SHIFTPLANNER_DATA_DIR": str(tmp_path),
        "COLUMNS": "200",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "shiftplanner.cli", "audit", "purge", "--retention-days", "30"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert "Deleted 3 audit entries older than 30 days" in stdout.decode()
    assert [e.action for e in await rows(runtime)] == ["age.29", "age.0"]
