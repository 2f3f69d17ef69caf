"""The single-assignment schedule API: listing, reading, booking, changing, removing."""

from __future__ import annotations

import base64
from datetime import date, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AbsenceStatus
from tests.assertions import problem
from tests.factories import (
    Tenant,
    make_absence,
    make_analyst,
    make_assignment,
    make_shift_type,
    make_team,
)

URL = "/api/schedules"
DAY = date(2030, 3, 4)


def booking(analyst_id: int, shift_type_id: int, day: date = DAY, **extra: Any) -> dict[str, Any]:
    return {"analyst_id": analyst_id, "shift_type_id": shift_type_id, "date": str(day)} | extra


async def schedule(
    client: httpx.AsyncClient, tenant: Tenant, days: int = 14, **filters: Any
) -> list[dict[str, Any]]:
    """Everything booked DAY-days..DAY+days, in one page."""
    period = {"start": str(DAY - timedelta(days=days)), "end": str(DAY + timedelta(days=days))}
    period["limit"] = "500"
    response = await client.get(URL, params=period | filters, headers=tenant.viewer)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def refused(
    client: httpx.AsyncClient, tenant: Tenant, payload: dict[str, Any], conflict: str
) -> dict[str, Any]:
    """POST `payload`, expect a 409 naming a hard `conflict`, and nothing written."""
    before = await schedule(client, tenant)
    body = problem(await client.post(URL, json=payload, headers=tenant.manager), 409)
    assert body["type"].endswith("schedule-conflict")
    listed: list[dict[str, Any]] = [c for c in body["conflicts"] if c["type"] == conflict]
    assert listed, body
    assert all(c["severity"] == "error" for c in listed)
    assert await schedule(client, tenant) == before
    return listed[0]


async def booked_one(session: AsyncSession, tenant: Tenant) -> int:
    booked = await make_assignment(session, tenant.analysts[0], tenant.shift_types[0], DAY)
    await session.commit()
    return booked.id


def at(id_: int) -> str:
    return f"{URL}/{id_}"


def if_match(headers: dict[str, str], tag: str) -> dict[str, str]:
    return {**headers, "If-Match": tag}


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- GET /api/schedules --------------------------------------------------------------


PERIOD = {"start": str(DAY), "end": str(DAY + timedelta(days=365))}  # 366 days: the most


@pytest.mark.parametrize(
    ("params", "wrong"),
    [
        pytest.param({"end": str(DAY)}, ["start"], id="no-start"),
        pytest.param({"start": str(DAY)}, ["end"], id="no-end"),
        pytest.param({}, ["end", "start"], id="neither"),
        pytest.param(PERIOD | {"end": str(DAY + timedelta(days=366))}, ["end"], id="367-days"),
        pytest.param(PERIOD | {"end": str(DAY - timedelta(days=1))}, ["end"], id="inverted"),
        pytest.param(PERIOD | {"limit": 0}, ["limit"], id="limit-0"),
        pytest.param(PERIOD | {"limit": 501}, ["limit"], id="limit-501"),
    ],
)
async def test_list_refuses_a_bad_range_or_limit(
    client: httpx.AsyncClient, tenant: Tenant, params: dict[str, Any], wrong: list[str]
) -> None:
    body = problem(await client.get(URL, params=params, headers=tenant.viewer), 422)
    assert sorted(e["parameter"] for e in body["errors"]) == wrong
    largest = await client.get(URL, params=PERIOD | {"limit": 500}, headers=tenant.viewer)
    assert largest.status_code == 200, largest.text


async def test_list_filters_by_analyst_shift_type_and_team(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    (a0, a1, _), (morning, night) = tenant.analysts, tenant.shift_types
    other_team = await make_team(session, tenant.org, code="SGP", timezone="Asia/Singapore")
    sgp_shift = await make_shift_type(session, other_team, name="SGP DAY")
    sgp_analyst = await make_analyst(session, other_team)
    first = await make_assignment(session, a0, morning, DAY)
    second = await make_assignment(session, a1, night, DAY)
    third = await make_assignment(session, a0, night, DAY + timedelta(days=1))
    fourth = await make_assignment(session, sgp_analyst, sgp_shift, DAY)
    await make_assignment(session, a0, morning, DAY + timedelta(days=40))  # out of range
    await make_assignment(session, other_tenant.analysts[0], other_tenant.shift_types[0], DAY)
    await session.commit()

    def ids(items: list[dict[str, Any]]) -> list[int]:
        return [item["id"] for item in items]

    assert ids(await schedule(client, tenant)) == [first.id, second.id, fourth.id, third.id]
    assert ids(await schedule(client, tenant, analyst_id=a0.id)) == [first.id, third.id]
    assert ids(await schedule(client, tenant, shift_type_id=night.id)) == [second.id, third.id]
    assert ids(await schedule(client, tenant, team_id=other_team.id)) == [fourth.id]
    by_team = await schedule(client, tenant, team_id=tenant.team.id)
    assert ids(by_team) == [first.id, second.id, third.id]
    both = await schedule(client, tenant, analyst_id=a0.id, shift_type_id=morning.id)
    assert ids(both) == [first.id]


async def test_cursor_pagination_walks_every_page_in_date_then_id_order(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, a1, a2 = tenant.analysts
    morning = tenant.shift_types[0]
    # Inserted out of date order, several per day, so that ids and dates disagree.
    plan = [(a0, 2), (a1, 0), (a2, 2), (a0, 0), (a1, 1), (a2, 0), (a0, 1)]
    for analyst, offset in plan:
        await make_assignment(session, analyst, morning, DAY + timedelta(days=offset))
    await session.commit()
    expected = [(item["date"], item["id"]) for item in await schedule(client, tenant)]
    assert expected == sorted(expected)
    assert len(expected) == len(plan)

    seen: list[tuple[str, int]] = []
    params: dict[str, Any] = {"start": str(DAY), "end": str(DAY + timedelta(days=2)), "limit": 2}
    for _ in range(10):
        response = await client.get(URL, params=params, headers=tenant.viewer)
        assert response.status_code == 200, response.text
        page = response.json()
        assert 1 <= len(page["items"]) <= 2
        seen += [(item["date"], item["id"]) for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == expected


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("garbage!!", id="not-base64"),
        pytest.param(cursor("not json"), id="not-json"),
        pytest.param(cursor('["2030-03-04"]'), id="too-short"),
        pytest.param(cursor('{"date": "2030-03-04", "id": 1}'), id="not-a-list"),
        pytest.param(cursor('["not a date", 1]'), id="bad-date"),
        pytest.param(cursor('["2030-03-04", "one"]'), id="bad-id"),
        pytest.param(cursor('["2030-03-04", 100000000000000000000000]'), id="id-out-of-range"),
        pytest.param("A" * 600, id="too-long"),
    ],
)
async def test_tampered_cursor_is_a_422_naming_the_cursor(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, token: str
) -> None:
    await make_assignment(session, tenant.analysts[0], tenant.shift_types[0], DAY)
    await session.commit()
    params = {"start": str(DAY), "end": str(DAY), "cursor": token}
    body = problem(await client.get(URL, params=params, headers=tenant.viewer), 422)
    assert [e["parameter"] for e in body["errors"]] == ["cursor"]


# --- GET one / POST ------------------------------------------------------------------


async def test_create_answers_201_with_location_etag_and_conflicts(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    payload = booking(tenant.analysts[0].id, tenant.shift_types[0].id, note="cover")
    response = await client.post(URL, json=payload, headers=tenant.manager)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == at(created["id"])
    assert response.headers["etag"] == '"1"'
    assert created["conflicts"] == []
    assert (created["version"], created["note"], created["date"]) == (1, "cover", str(DAY))
    followed = await client.get(response.headers["location"], headers=tenant.viewer)
    assert followed.status_code == 200
    assert followed.headers["etag"] == '"1"'
    assert followed.json() == {k: v for k, v in created.items() if k != "conflicts"}


async def test_create_lists_the_warnings_it_leaves(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, (morning, night) = tenant.analysts[0], tenant.shift_types
    pair = await make_shift_type(session, tenant.team, name="PAIR", start=time(9), end=time(17))
    pair.required_headcount = 2
    before = await make_assignment(session, a0, night, DAY - timedelta(days=1))
    await session.commit()
    response = await client.post(URL, json=booking(a0.id, morning.id), headers=tenant.admin)
    assert response.status_code == 201, response.text
    [rest] = response.json()["conflicts"]
    assert (rest["type"], rest["severity"]) == ("rest_violation", "warning")
    assert rest["assignment_ids"] == [before.id, response.json()["id"]]
    payload = booking(tenant.analysts[1].id, pair.id)
    response = await client.post(URL, json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    [gap] = response.json()["conflicts"]
    assert (gap["type"], gap["shift_type_id"]) == ("coverage_gap", pair.id)
    assert gap["details"]["effective"] == 1


@pytest.mark.parametrize(
    "case", ["same shift twice", "night before", "absent", "inactive", "screener"]
)
async def test_a_hard_conflict_is_refused_and_nothing_written(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, case: str
) -> None:
    a0, a1, a2 = tenant.analysts
    morning, night = tenant.shift_types
    early = await make_shift_type(session, tenant.team, name="EARLY", start=time(6), end=time(14))
    gone = await make_analyst(session, tenant.team, active=False)
    same = await make_assignment(session, a0, morning, DAY)
    before = await make_assignment(session, a0, night, DAY)  # 23:00 until 07:00 the next day
    absence = await make_absence(session, a1, DAY, DAY + timedelta(days=2))
    await session.commit()
    later = DAY + timedelta(days=1)
    payload, conflict, involved = {
        "same shift twice": (booking(a0.id, morning.id), "double_booking", [same.id]),
        "night before": (booking(a0.id, early.id, later), "double_booking", [before.id]),
        "absent": (booking(a1.id, morning.id, later), "absence_overlap", []),
        "inactive": (booking(gone.id, morning.id, later), "inactive_analyst", []),
        "screener": (booking(a2.id, night.id, is_screener=True), "unqualified_screener", []),
    }[case]
    listed = await refused(client, tenant, payload, conflict)
    assert listed["assignment_ids"] == involved
    if case == "absent":
        assert listed["absence_id"] == absence.id


async def test_near_misses_of_hard_conflicts_are_allowed(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, a1, _ = tenant.analysts
    morning, night = tenant.shift_types
    await make_absence(session, a1, DAY, DAY, status=AbsenceStatus.REQUESTED)
    await session.commit()
    for payload in (
        booking(a1.id, morning.id),  # only a requested absence, not an approved one
        booking(a0.id, night.id, is_screener=True),  # a0 has the screener skill
    ):
        response = await client.post(URL, json=payload, headers=tenant.manager)
        assert response.status_code == 201, response.text
    assert len(await schedule(client, tenant)) == 2


@pytest.mark.parametrize("field", ["analyst_id", "shift_type_id"])
@pytest.mark.parametrize("whose", ["unknown", "other org"])
async def test_unknown_or_foreign_reference_is_a_422(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, field: str, whose: str
) -> None:
    payload = booking(tenant.analysts[0].id, tenant.shift_types[0].id)
    foreign = booking(other_tenant.analysts[0].id, other_tenant.shift_types[0].id)
    payload[field] = 987654321 if whose == "unknown" else foreign[field]
    body = problem(await client.post(URL, json=payload, headers=tenant.manager), 422)
    assert [e["pointer"] for e in body["errors"]] == [f"#/{field}"]
    assert await schedule(client, tenant) == []
    assert await schedule(client, other_tenant) == []


# --- who may write ---------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("analyst", 403), (None, 401)])
async def test_only_managers_and_admins_write_and_everyone_needs_a_token(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, role: str | None, status: int
) -> None:
    id_ = await booked_one(session, tenant)
    before = await schedule(client, tenant)
    payload = booking(tenant.analysts[2].id, tenant.shift_types[1].id)
    calls: list[tuple[str, str, Any]] = [
        ("POST", URL, payload),
        ("POST", f"{URL}/bulk", {"items": [payload]}),
        ("PATCH", at(id_), {"note": "mine", "version": 1}),
        ("DELETE", at(id_), None),
    ]
    if role is None:
        calls += [("GET", at(id_), None), ("GET", f"{URL}?start={DAY}&end={DAY}", None)]
    headers = if_match(getattr(tenant, role) if role else {}, '"1"')
    for method, url, body in calls:
        response = await client.request(method, url, json=body, headers=headers)
        problem(response, status)
        if status == 401:
            assert response.headers["www-authenticate"] == "Bearer"
    assert await schedule(client, tenant) == before


# --- PATCH -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["if-match", "star", "weak", "body"])
async def test_patch_with_the_current_version_bumps_it(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, how: str
) -> None:
    id_ = await booked_one(session, tenant)
    payload: dict[str, Any] = {"note": "swapped", "date": str(DAY + timedelta(days=1))}
    headers = tenant.manager
    if how == "body":
        payload["version"] = 1
    else:
        headers = if_match(headers, {"if-match": '"1"', "star": "*", "weak": 'W/"1"'}[how])
    response = await client.patch(at(id_), json=payload, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    assert (response.json()["version"], response.json()["note"]) == (2, "swapped")
    reread = await client.get(at(id_), headers=tenant.viewer)
    assert reread.headers["etag"] == '"2"'
    assert reread.json()["date"] == str(DAY + timedelta(days=1))


async def test_patch_without_or_with_a_stale_version_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    id_ = await booked_one(session, tenant)
    unversioned = await client.patch(at(id_), json={"note": "x"}, headers=tenant.manager)
    assert problem(unversioned, 428)["type"].endswith("precondition-required")
    read_v1 = if_match(tenant.manager, '"1"')
    first = await client.patch(at(id_), json={"note": "one"}, headers=read_v1)
    assert first.status_code == 200, first.text
    after_first = (await client.get(at(id_), headers=tenant.viewer)).json()
    second = await client.patch(at(id_), json={"note": "two"}, headers=read_v1)
    assert problem(second, 412)["type"].endswith("precondition-failed")
    body = {"note": "two", "version": 1}
    third = await client.patch(at(id_), json=body, headers=tenant.manager)
    assert problem(third, 409)["type"].endswith("stale-version")
    assert (await client.get(at(id_), headers=tenant.viewer)).json() == after_first
    assert (after_first["note"], after_first["version"]) == ("one", 2)


async def test_patch_into_a_hard_conflict_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    a0, a1, _ = tenant.analysts
    morning = tenant.shift_types[0]
    mine = await make_assignment(session, a0, morning, DAY)
    theirs = await make_assignment(session, a1, morning, DAY + timedelta(days=1))
    await session.commit()
    before = (await client.get(at(theirs.id), headers=tenant.viewer)).json()
    move = {"analyst_id": a0.id, "date": str(DAY), "note": "moved"}
    response = await client.patch(at(theirs.id), json=move, headers=if_match(tenant.manager, "*"))
    body = problem(response, 409)
    assert body["type"].endswith("schedule-conflict")
    [conflict] = body["conflicts"]
    assert conflict["type"] == "double_booking"
    assert set(conflict["assignment_ids"]) == {mine.id, theirs.id}
    assert (await client.get(at(theirs.id), headers=tenant.viewer)).json() == before


@pytest.mark.parametrize("field", ["analyst_id", "shift_type_id", "date", "is_screener", "note"])
async def test_patch_refuses_null_for_a_required_field(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, field: str
) -> None:
    id_ = await booked_one(session, tenant)
    before = await schedule(client, tenant)
    body = {field: None, "version": 1}
    response = problem(await client.patch(at(id_), json=body, headers=tenant.manager), 422)
    assert [e["pointer"] for e in response["errors"]] == [f"#/{field}"]
    assert await schedule(client, tenant) == before


# --- DELETE, and other organizations -----------------------------------------------------


async def test_delete_is_conditional_lists_the_gap_it_leaves_and_removes_it(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    id_ = await booked_one(session, tenant)
    problem(await client.delete(at(id_), headers=if_match(tenant.manager, '"7"')), 412)
    assert (await client.get(at(id_), headers=tenant.viewer)).status_code == 200
    response = await client.delete(at(id_), headers=if_match(tenant.manager, '"1"'))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == id_
    gaps = [c for c in response.json()["conflicts"] if c["type"] == "coverage_gap"]
    assert [(g["shift_type_id"], g["date"]) for g in gaps] == [(tenant.shift_types[0].id, str(DAY))]
    problem(await client.get(at(id_), headers=tenant.viewer), 404)
    assert await schedule(client, tenant) == []
    again = await booked_one(session, tenant)
    deleted = await client.delete(at(again), params={"version": 1}, headers=tenant.manager)
    assert deleted.status_code == 200, deleted.text
    assert await schedule(client, tenant) == []


async def test_delete_without_a_version_cannot_remove_a_changed_assignment_unseen(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    id_ = await booked_one(session, tenant)
    changed = await client.patch(
        at(id_), json={"note": "moved", "version": 1}, headers=tenant.manager
    )
    assert changed.status_code == 200, changed.text
    unversioned = problem(await client.delete(at(id_), headers=tenant.manager), 428)
    assert unversioned["type"].endswith("precondition-required")
    stale = problem(
        await client.delete(at(id_), params={"version": 1}, headers=tenant.manager), 409
    )
    assert stale["type"].endswith("stale-version")
    problem(await client.delete(at(id_), headers=if_match(tenant.manager, '"1"')), 412)
    assert (await client.get(at(id_), headers=tenant.viewer)).json()["note"] == "moved"
    current = await client.delete(at(id_), params={"version": 2}, headers=tenant.manager)
    assert current.status_code == 200, current.text
    assert await schedule(client, tenant) == []


async def test_a_deleted_assignments_id_never_comes_back(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    morning = tenant.shift_types[0].id
    first = await client.post(
        URL, json=booking(tenant.analysts[0].id, morning), headers=tenant.manager
    )
    assert first.status_code == 201, first.text
    old_id, old_tag = first.json()["id"], first.headers["etag"]
    deleted = await client.delete(at(old_id), headers={**tenant.manager, "If-Match": old_tag})
    assert deleted.status_code == 200, deleted.text

    second = await client.post(
        URL, json=booking(tenant.analysts[1].id, morning), headers=tenant.manager
    )
    assert second.status_code == 201, second.text
    assert second.json()["id"] > old_id
    # A client still holding the deleted booking's id and version changes nothing.
    stale = if_match(tenant.manager, old_tag)
    problem(await client.patch(at(old_id), json={"note": "mine"}, headers=stale), 404)
    problem(await client.delete(at(old_id), headers=stale), 404)
    kept = await client.get(at(second.json()["id"]), headers=tenant.viewer)
    assert (kept.json()["note"], kept.headers["etag"]) == ("", '"1"')


async def test_another_organizations_assignment_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    foreign = await booked_one(session, other_tenant)
    before = await schedule(client, other_tenant)
    headers = if_match(tenant.admin, "*")
    for attempt in (
        client.get(at(foreign), headers=tenant.admin),
        client.patch(at(foreign), json={"note": "mine"}, headers=headers),
        client.patch(at(foreign), json={"note": "mine", "version": 1}, headers=tenant.admin),
        client.delete(at(foreign), headers=headers),
        client.delete(at(foreign), headers=tenant.admin),
    ):
        problem(await attempt, 404)
    assert await schedule(client, other_tenant) == before
