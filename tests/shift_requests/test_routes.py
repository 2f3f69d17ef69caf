"""Shift requests: analysts ask for their own days on or off, managers for anyone and
decide them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AuditLog, OutboxEvent, Role
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import Tenant, bearer, make_shift_type, make_team, make_user

URL = "/api/shift-requests"
DAY = "2030-04-01"


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


async def ask(
    client: httpx.AsyncClient, headers: dict[str, str], *, kind: str = "off", **body: Any
) -> httpx.Response:
    return await client.post(URL, json={"kind": kind, "date": DAY, **body}, headers=headers)


async def asked(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await ask(client, headers, **body)
    assert response.status_code == 201, response.text
    shift_request: dict[str, Any] = response.json()
    return shift_request


async def events(runtime: Runtime) -> list[tuple[str, int | None, dict[str, Any]]]:
    async with runtime.session_factory() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type.startswith("shift_request."))
            .order_by(OutboxEvent.id)
        )
        return [(row.event_type, row.resource_id, row.payload) for row in rows]


async def test_an_analyst_asks_for_their_own_day_off(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    shift_request = await asked(client, tenant.analyst, note="  dentist  ")
    assert shift_request["analyst_id"] == tenant.analysts[2].id
    assert shift_request["org_id"] == tenant.org.id
    assert (shift_request["kind"], shift_request["date"]) == ("off", DAY)
    assert shift_request["status"] == "requested"
    assert (shift_request["shift_type_id"], shift_request["weight"]) == (None, None)
    assert shift_request["note"] == "dentist"
    assert shift_request["created_by_user_id"] == tenant.users[Role.ANALYST].id
    [(kind, resource, payload)] = await events(runtime)
    assert (kind, resource) == ("shift_request.created", shift_request["id"])
    assert payload["data"]["status"] == "requested"


async def test_an_analyst_may_name_a_shift_type_of_their_team(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    night = tenant.shift_types[1].id
    shift_request = await asked(client, tenant.analyst, kind="on", shift_type_id=night)
    assert (shift_request["kind"], shift_request["shift_type_id"]) == ("on", night)


async def test_who_may_ask_for_whom_and_weigh_it(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    other = tenant.analysts[0].id
    body = problem(await ask(client, tenant.analyst, analyst_id=other), 403)
    assert body["type"].endswith(":forbidden")
    weighed = problem(await ask(client, tenant.analyst, weight=50), 403)
    assert "weight" in weighed["detail"]
    problem(await ask(client, tenant.viewer), 403)
    problem(await ask(client, tenant.viewer, analyst_id=other), 403)
    unlinked = await make_user(session, runtime, tenant.org, Role.ANALYST)
    await session.commit()
    unlinked_headers = await bearer(session, runtime, unlinked)
    for headers in (unlinked_headers, tenant.manager):
        assert pointers(problem(await ask(client, headers), 422)) == ["#/analyst_id"]
    problem(await ask(client, unlinked_headers, analyst_id=other), 403)
    assert (await client.get(URL, headers=tenant.manager)).json()["items"] == []
    for role in (Role.MANAGER, Role.ADMIN):
        made = await asked(client, tenant.headers[role], analyst_id=other, weight=250)
        assert (made["analyst_id"], made["weight"]) == (other, 250)
        assert made["created_by_user_id"] == tenant.users[role].id
    own = await asked(client, tenant.analyst, analyst_id=tenant.analysts[2].id, weight=None)
    assert own["weight"] is None


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [
        ({"kind": "maybe"}, "#/kind"),
        ({"date": "2030-02-30"}, "#/date"),
        ({"date": "3000-01-01"}, "#/date"),
        ({"weight": -1}, "#/weight"),
        ({"weight": 1_000_001}, "#/weight"),
        ({"note": "x" * 501}, "#/note"),
        ({"status": "approved"}, "#/status"),
        ({"shift_type_id": 0}, "#/shift_type_id"),
    ],
)
async def test_malformed_fields_are_422_with_their_pointer(
    client: httpx.AsyncClient, tenant: Tenant, fields: dict[str, Any], pointer: str
) -> None:
    body = {"analyst_id": tenant.analysts[0].id, **fields}
    refused = problem(await ask(client, tenant.manager, **body), 422)
    assert pointer in pointers(refused), refused


async def test_references_must_be_the_organizations_and_the_analysts_team(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    team = await make_team(session, tenant.org)
    elsewhere = await make_shift_type(session, team, name="DAY")
    await session.commit()
    analyst = tenant.analysts[0].id
    for analyst_id in (other_tenant.analysts[0].id, 999_999):
        refused = await ask(client, tenant.manager, analyst_id=analyst_id)
        assert pointers(problem(refused, 422)) == ["#/analyst_id"]
    for shift_type_id in (elsewhere.id, other_tenant.shift_types[0].id, 999_999):
        refused = await ask(client, tenant.manager, analyst_id=analyst, shift_type_id=shift_type_id)
        assert pointers(problem(refused, 422)) == ["#/shift_type_id"]
    assert (await client.get(URL, headers=tenant.manager)).json()["items"] == []
    assert (await client.get(URL, headers=other_tenant.manager)).json()["items"] == []


async def test_managers_see_every_request_analysts_and_viewers_their_own(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    mine = await asked(client, tenant.analyst)
    theirs = await asked(client, tenant.manager, analyst_id=tenant.analysts[0].id)

    async def listed(headers: dict[str, str], **params: Any) -> list[int]:
        response = await client.get(URL, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    for headers in (tenant.manager, tenant.admin):
        assert await listed(headers) == [mine["id"], theirs["id"]]
        assert await listed(headers, analyst_id=tenant.analysts[0].id) == [theirs["id"]]
    assert await listed(tenant.analyst) == [mine["id"]]
    assert await listed(tenant.analyst, analyst_id=tenant.analysts[0].id) == []
    assert await listed(tenant.viewer) == []
    own = await client.get(f"{URL}/{mine['id']}", headers=tenant.analyst)
    assert own.json() == mine
    problem(await client.get(f"{URL}/{theirs['id']}", headers=tenant.analyst), 404)
    problem(await client.get(f"{URL}/{mine['id']}", headers=tenant.viewer), 404)
    assert (await client.get(f"{URL}/{mine['id']}", headers=tenant.manager)).json() == mine


async def test_list_is_by_date_filtered_and_paged(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    analyst = tenant.analysts[1].id
    late = await asked(client, tenant.manager, analyst_id=analyst, date="2030-04-20")
    early = await asked(client, tenant.manager, analyst_id=analyst, date="2030-04-02")
    middle = await asked(client, tenant.manager, analyst_id=analyst, date="2030-04-10")
    approved = await client.post(f"{URL}/{middle['id']}/approve", headers=tenant.manager)
    assert approved.status_code == 200, approved.text

    async def listed(**params: Any) -> list[int]:
        response = await client.get(URL, params=params, headers=tenant.manager)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert await listed() == [early["id"], middle["id"], late["id"]]
    assert await listed(status="approved") == [middle["id"]]
    assert await listed(status="requested") == [early["id"], late["id"]]
    assert await listed(start="2030-04-10") == [middle["id"], late["id"]]
    assert await listed(end="2030-04-10") == [early["id"], middle["id"]]
    first = await client.get(URL, params={"limit": 2}, headers=tenant.manager)
    assert [r["id"] for r in first.json()["items"]] == [early["id"], middle["id"]]
    assert await listed(limit=2, cursor=first.json()["next_cursor"]) == [late["id"]]
    problem(await client.get(URL, params={"status": "maybe"}, headers=tenant.manager), 422)


async def test_managers_approve_or_reject_once(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    first = await asked(client, tenant.analyst)
    second = await asked(client, tenant.analyst, date="2030-04-02", kind="on")
    for headers in (tenant.analyst, tenant.viewer):
        problem(await client.post(f"{URL}/{first['id']}/approve", headers=headers), 403)
        problem(await client.post(f"{URL}/{first['id']}/reject", headers=headers), 403)
    approved = await client.post(f"{URL}/{first['id']}/approve", headers=tenant.manager)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    rejected = await client.post(f"{URL}/{second['id']}/reject", headers=tenant.admin)
    assert rejected.json()["status"] == "rejected"
    for url in (f"{URL}/{first['id']}", f"{URL}/{second['id']}"):
        for action in ("approve", "reject"):
            again = problem(await client.post(f"{url}/{action}", headers=tenant.manager), 409)
            assert again["type"].endswith(":conflict")
    mine = await client.get(URL, headers=tenant.analyst)
    assert [r["status"] for r in mine.json()["items"]] == ["approved", "rejected"]
    recorded = [(kind, resource) for kind, resource, _ in await events(runtime)]
    assert recorded == [
        ("shift_request.created", first["id"]),
        ("shift_request.created", second["id"]),
        ("shift_request.approved", first["id"]),
        ("shift_request.rejected", second["id"]),
    ]
    [*_, (_, _, payload)] = await events(runtime)
    assert payload["changes"] == {"status": {"old": "requested", "new": "rejected"}}


async def test_deleting_own_requests_while_requested_and_any_as_a_manager(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    open_one = await asked(client, tenant.analyst)
    decided = await asked(client, tenant.analyst, date="2030-04-02")
    await client.post(f"{URL}/{decided['id']}/approve", headers=tenant.manager)
    someone_elses = await asked(client, tenant.manager, analyst_id=tenant.analysts[0].id)

    problem(await client.delete(f"{URL}/{open_one['id']}", headers=tenant.viewer), 403)
    problem(await client.delete(f"{URL}/{someone_elses['id']}", headers=tenant.analyst), 404)
    late = problem(await client.delete(f"{URL}/{decided['id']}", headers=tenant.analyst), 409)
    assert "manager" in late["detail"]
    assert (
        await client.delete(f"{URL}/{open_one['id']}", headers=tenant.analyst)
    ).status_code == 204
    for shift_request in (decided, someone_elses):
        url = f"{URL}/{shift_request['id']}"
        assert (await client.delete(url, headers=tenant.manager)).status_code == 204
        problem(await client.get(url, headers=tenant.manager), 404)
        problem(await client.delete(url, headers=tenant.manager), 404)
    assert (await client.get(URL, headers=tenant.manager)).json()["items"] == []
    deletions = [e for e in await events(runtime) if e[0] == "shift_request.deleted"]
    assert [resource for _, resource, _ in deletions] == [
        open_one["id"],
        decided["id"],
        someone_elses["id"],
    ]
    async with runtime.session_factory() as db:
        audited = await db.scalars(
            select(AuditLog.action).where(AuditLog.resource_type == "shift_request")
        )
        assert sorted(audited) == sorted(kind for kind, _, _ in await events(runtime))


async def test_another_organizations_requests_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await asked(client, other_tenant.analyst)
    url = f"{URL}/{theirs['id']}"
    problem(await client.get(url, headers=tenant.admin), 404)
    problem(await client.post(f"{url}/approve", headers=tenant.admin), 404)
    problem(await client.post(f"{url}/reject", headers=tenant.admin), 404)
    problem(await client.delete(url, headers=tenant.admin), 404)
    assert (await client.get(URL, headers=tenant.admin)).json()["items"] == []
    params = {"analyst_id": other_tenant.analysts[2].id}
    problem(await client.get(URL, params=params, headers=tenant.admin), 422)
    still = await client.get(url, headers=other_tenant.manager)
    assert still.json()["status"] == "requested"


async def test_an_on_and_an_off_request_for_the_same_day_and_shift_contradict(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    morning, night = (s.id for s in tenant.shift_types)
    whole_day_off = await asked(client, tenant.analyst)
    for shift in (None, night):
        body = {"shift_type_id": shift} if shift else {}
        clash = problem(await ask(client, tenant.analyst, kind="on", **body), 409)
        assert clash["shift_request_ids"] == [whole_day_off["id"]]
        assert str(whole_day_off["id"]) in clash["detail"]
    # The same wish twice, or another day, is no contradiction.
    await asked(client, tenant.analyst, kind="off", shift_type_id=night)
    await asked(client, tenant.analyst, kind="on", date="2030-04-02")

    other = tenant.analysts[1].id
    morning_off = await asked(client, tenant.manager, analyst_id=other, shift_type_id=morning)
    night_on = await asked(client, tenant.manager, analyst_id=other, kind="on", shift_type_id=night)
    day_off = problem(await ask(client, tenant.manager, analyst_id=other, kind="off"), 409)
    assert day_off["shift_request_ids"] == [night_on["id"]]
    morning_on = problem(
        await ask(client, tenant.manager, analyst_id=other, kind="on", shift_type_id=morning), 409
    )
    assert morning_on["shift_request_ids"] == [morning_off["id"]]
    # A rejected request stands in nobody's way.
    rejected = await client.post(f"{URL}/{morning_off['id']}/reject", headers=tenant.manager)
    assert rejected.status_code == 200, rejected.text
    await asked(client, tenant.manager, analyst_id=other, kind="on", shift_type_id=morning)


async def test_a_request_weight_cannot_outweigh_the_teams_whole_scale(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    other = tenant.analysts[0].id
    for weight in (1001, 1_000_000):
        refused = problem(await ask(client, tenant.manager, analyst_id=other, weight=weight), 422)
        assert pointers(refused) == ["#/weight"]
    heaviest = await asked(client, tenant.manager, analyst_id=other, weight=1000)
    assert heaviest["weight"] == 1000
