from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AbsenceStatus, Role
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import (
    Tenant,
    bearer,
    make_absence,
    make_analyst,
    make_assignment,
    make_team,
    make_user,
)

D = date(2025, 2, 10)  # a Monday in winter: Europe/London is UTC, no DST change nearby


def day(offset: int) -> str:
    return date.fromordinal(D.toordinal() + offset).isoformat()


async def request(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    start: int,
    end: int,
    *,
    analyst_id: int | None = None,
    kind: str = "vacation",
) -> httpx.Response:
    body: dict[str, Any] = {"start_date": day(start), "end_date": day(end), "kind": kind}
    if analyst_id is not None:
        body["analyst_id"] = analyst_id
    return await client.post("/api/absences", json=body, headers=headers)


async def requested(
    client: httpx.AsyncClient, tenant: Tenant, start: int, end: int, analyst_id: int
) -> int:
    response = await request(client, tenant.manager, start, end, analyst_id=analyst_id)
    assert response.status_code == 201, response.text
    absence_id: int = response.json()["id"]
    return absence_id


async def status_of(client: httpx.AsyncClient, tenant: Tenant, absence_id: int) -> str:
    response = await client.get(f"/api/absences/{absence_id}", headers=tenant.manager)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def test_analyst_requests_their_own_absence(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await request(client, tenant.analyst, 0, 2, kind="sick")
    assert response.status_code == 201, response.text
    absence = response.json()
    assert absence["analyst_id"] == tenant.analysts[2].id
    assert absence["status"] == "requested"
    assert absence["kind"] == "sick"
    assert absence["requested_by_user_id"] == tenant.users[Role.ANALYST].id
    assert absence["decided_by_user_id"] is None
    assert (absence["start_date"], absence["end_date"]) == (day(0), day(2))


async def test_who_may_request_for_whom(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    other = tenant.analysts[0].id
    body = problem(await request(client, tenant.analyst, 0, 0, analyst_id=other), 403)
    assert body["type"].endswith(":forbidden")
    problem(await request(client, tenant.viewer, 0, 0, analyst_id=other), 403)
    problem(await request(client, tenant.viewer, 0, 0), 403)
    unlinked_user = await make_user(session, runtime, tenant.org, Role.ANALYST)
    await session.commit()
    for headers in (await bearer(session, runtime, unlinked_user), tenant.manager):
        unlinked = problem(await request(client, headers, 0, 0), 422)
        assert unlinked["errors"][0]["pointer"] == "#/analyst_id"
    problem(
        await request(
            client, await bearer(session, runtime, unlinked_user), 0, 0, analyst_id=other
        ),
        403,
    )
    listed = await client.get("/api/absences", headers=tenant.manager)
    assert listed.json()["items"] == []
    for role in (Role.MANAGER, Role.ADMIN):
        headers = tenant.headers[role]
        response = await request(client, headers, 0, 0, analyst_id=other)
        assert response.status_code == 201, response.text
        assert response.json()["analyst_id"] == other
        assert response.json()["requested_by_user_id"] == tenant.users[role].id
        await client.post(f"/api/absences/{response.json()['id']}/cancel", headers=headers)
    own = await request(client, tenant.analyst, 0, 0, analyst_id=tenant.analysts[2].id)
    assert own.status_code == 201, own.text


async def test_overlapping_requested_or_approved_absence_is_a_conflict(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    analyst = tenant.analysts[1]
    first = await requested(client, tenant, 0, 4, analyst.id)
    approved = await make_absence(session, analyst, D.replace(day=20), D.replace(day=22))
    await session.commit()
    clash = problem(await request(client, tenant.manager, 4, 6, analyst_id=analyst.id), 409)
    assert clash["absence_ids"] == [first]
    clash = problem(await request(client, tenant.manager, 12, 12, analyst_id=analyst.id), 409)
    assert clash["absence_ids"] == [approved.id]
    # Adjacent days, another analyst, or a withdrawn request do not clash.
    assert (await request(client, tenant.manager, 5, 5, analyst_id=analyst.id)).status_code == 201
    other = tenant.analysts[0].id
    assert (await request(client, tenant.manager, 0, 4, analyst_id=other)).status_code == 201
    await client.post(f"/api/absences/{first}/cancel", headers=tenant.manager)
    assert (await request(client, tenant.manager, 1, 1, analyst_id=analyst.id)).status_code == 201


async def test_invalid_spans_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    backwards = problem(await request(client, tenant.analyst, 3, 2), 422)
    assert "before" in str(backwards["errors"])
    too_long = problem(await request(client, tenant.analyst, 0, 366), 422)
    assert "366" in str(too_long["errors"])
    longest = await request(client, tenant.analyst, 0, 365)
    assert longest.status_code == 201, longest.text


async def test_approval_reports_stranded_assignments_and_conflicts(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    away, colleague = tenant.analysts[1], tenant.analysts[0]
    morning, night = tenant.shift_types
    absence_start = date(2025, 2, 11)
    morning_before = await make_assignment(session, away, morning, D)
    night_before = await make_assignment(session, away, night, D)  # 23:00 runs into the 11th
    morning_in = await make_assignment(session, away, morning, absence_start)
    night_last = await make_assignment(session, away, night, date(2025, 2, 12))
    morning_after = await make_assignment(session, away, morning, date(2025, 2, 13))
    await make_assignment(session, colleague, morning, date(2025, 2, 12))
    await session.commit()
    absence_id = await requested(client, tenant, 1, 2, away.id)

    problem(await client.post(f"/api/absences/{absence_id}/approve", headers=tenant.analyst), 403)
    response = await client.post(
        f"/api/absences/{absence_id}/approve", json={"note": "ok"}, headers=tenant.manager
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["absence"]["status"] == "approved"
    assert result["absence"]["decided_by_user_id"] == tenant.users[Role.MANAGER].id
    assert result["absence"]["decision_note"] == "ok"
    stranded_list = [a["id"] for a in result["stranded_assignments"]]
    assert stranded_list == [night_before.id, morning_in.id, night_last.id]  # by date
    stranded = set(stranded_list)
    assert morning_before.id not in stranded
    assert morning_after.id not in stranded

    overlaps = {
        (c["assignment_ids"][0], c["date"])
        for c in result["conflicts"]
        if c["type"] == "absence_overlap"
    }
    assert overlaps == {(night_before.id, day(0)), (morning_in.id, day(1)), (night_last.id, day(2))}
    assert all(
        c["absence_id"] == absence_id and c["severity"] == "error"
        for c in result["conflicts"]
        if c["type"] == "absence_overlap"
    )
    gaps = {
        (c["shift_type_id"], c["date"]) for c in result["conflicts"] if c["type"] == "coverage_gap"
    }
    assert {(night.id, day(0)), (morning.id, day(1)), (night.id, day(2))} <= gaps
    assert (morning.id, day(0)) not in gaps  # still covered by the absent analyst's morning
    assert (morning.id, day(2)) not in gaps  # covered by the colleague

    # The stranded assignments stay, and the conflict report shows them.
    for assignment_id in stranded:
        kept = await client.get(f"/api/schedules/{assignment_id}", headers=tenant.viewer)
        assert kept.status_code == 200, kept.text
    report = await client.get(
        "/api/conflicts",
        params={"start": day(-1), "end": day(4), "type": "absence_overlap"},
        headers=tenant.manager,
    )
    assert report.status_code == 200, report.text
    reported = {c["assignment_ids"][0] for c in report.json()["conflicts"]}
    assert reported == stranded
    again = problem(
        await client.post(f"/api/absences/{absence_id}/approve", headers=tenant.admin), 409
    )
    assert "approved" in again["detail"]


async def blackout(
    client: httpx.AsyncClient, tenant: Tenant, start: int, end: int, **target: int
) -> int:
    response = await client.post(
        "/api/blackout-dates",
        json={"start_date": day(start), "end_date": day(end), "reason": "audit", **target},
        headers=tenant.manager,
    )
    assert response.status_code == 201, response.text
    blackout_id: int = response.json()["id"]
    return blackout_id


async def test_an_absence_during_a_blackout_is_refused_when_requested_not_only_at_approval(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    analyst = tenant.analysts[1]
    team_wide = await blackout(client, tenant, 3, 3, team_id=tenant.team.id)
    personal = await blackout(client, tenant, 10, 12, analyst_id=analyst.id)
    other_team = await make_team(session, tenant.org)
    await session.commit()
    await blackout(client, tenant, 20, 22, team_id=other_team.id)
    await blackout(client, tenant, 20, 22, analyst_id=tenant.analysts[0].id)
    await blackout(client, tenant, 19, 19, team_id=tenant.team.id)  # the day before
    await blackout(client, tenant, 23, 25, analyst_id=analyst.id)  # the day after

    for (start, end), blocking in (((1, 3), team_wide), ((12, 14), personal)):
        response = await request(client, tenant.manager, start, end, analyst_id=analyst.id)
        body = problem(response, 409)
        assert body["blackout_date_ids"] == [blocking]
        assert "audit" in body["detail"]
    own = problem(await request(client, tenant.analyst, 2, 4), 409)  # a teammate: team-wide
    assert own["blackout_date_ids"] == [team_wide]
    listed = await client.get("/api/absences", headers=tenant.manager)
    assert listed.json()["items"] == []

    free = await requested(client, tenant, 20, 22, analyst.id)
    approved = await client.post(f"/api/absences/{free}/approve", headers=tenant.admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["absence"]["status"] == "approved"


async def test_a_blackout_set_after_the_request_still_blocks_approval(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    analyst = tenant.analysts[1]
    team_absence = await requested(client, tenant, 1, 3, analyst.id)
    personal_absence = await requested(client, tenant, 12, 14, analyst.id)
    team_wide = await blackout(client, tenant, 3, 3, team_id=tenant.team.id)
    personal = await blackout(client, tenant, 10, 12, analyst_id=analyst.id)
    for absence_id, blocking in ((team_absence, team_wide), (personal_absence, personal)):
        url = f"/api/absences/{absence_id}/approve"
        body = problem(await client.post(url, headers=tenant.manager), 409)
        assert body["blackout_date_ids"] == [blocking]
        assert "audit" in body["detail"]
        assert await status_of(client, tenant, absence_id) == "requested"


async def test_reject_then_approve_is_a_conflict(client: httpx.AsyncClient, tenant: Tenant) -> None:
    absence_id = await requested(client, tenant, 0, 1, tenant.analysts[1].id)
    url = f"/api/absences/{absence_id}"
    problem(await client.post(f"{url}/reject", headers=tenant.analyst), 403)
    rejected = await client.post(f"{url}/reject", json={"note": "busy"}, headers=tenant.manager)
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_note"] == "busy"
    problem(await client.post(f"{url}/approve", headers=tenant.manager), 409)
    problem(await client.post(f"{url}/reject", headers=tenant.manager), 409)
    problem(await client.post(f"{url}/cancel", headers=tenant.manager), 409)
    assert await status_of(client, tenant, absence_id) == "rejected"


async def test_cancelling(client: httpx.AsyncClient, tenant: Tenant) -> None:
    own = (await request(client, tenant.analyst, 0, 0)).json()["id"]
    cancelled = await client.post(f"/api/absences/{own}/cancel", headers=tenant.analyst)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    problem(await client.post(f"/api/absences/{own}/cancel", headers=tenant.analyst), 409)

    later = (await request(client, tenant.analyst, 5, 6)).json()["id"]
    approve = await client.post(f"/api/absences/{later}/approve", headers=tenant.manager)
    assert approve.status_code == 200, approve.text
    problem(await client.post(f"/api/absences/{later}/cancel", headers=tenant.analyst), 409)
    assert await status_of(client, tenant, later) == "approved"
    problem(await client.post(f"/api/absences/{later}/cancel", headers=tenant.viewer), 403)
    by_manager = await client.post(f"/api/absences/{later}/cancel", headers=tenant.manager)
    assert by_manager.status_code == 200, by_manager.text
    assert by_manager.json()["status"] == "cancelled"
    # Someone else's request is not the analyst's to withdraw, nor even to see.
    others = await requested(client, tenant, 0, 0, tenant.analysts[0].id)
    problem(await client.post(f"/api/absences/{others}/cancel", headers=tenant.analyst), 404)


async def test_absences_are_visible_to_managers_and_their_owner_only(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    mine = await make_absence(session, tenant.analysts[2], D, D, status=AbsenceStatus.REQUESTED)
    theirs = await make_absence(session, tenant.analysts[0], D, D)
    await session.commit()

    for headers in (tenant.manager, tenant.admin):
        listed = await client.get("/api/absences", headers=headers)
        assert [a["id"] for a in listed.json()["items"]] == sorted([mine.id, theirs.id])
    own = await client.get("/api/absences", headers=tenant.analyst)
    assert [a["id"] for a in own.json()["items"]] == [mine.id]
    asked = await client.get(
        "/api/absences", params={"analyst_id": tenant.analysts[0].id}, headers=tenant.analyst
    )
    assert asked.status_code == 200
    assert asked.json()["items"] == []
    assert (await client.get(f"/api/absences/{mine.id}", headers=tenant.analyst)).status_code == 200
    problem(await client.get(f"/api/absences/{theirs.id}", headers=tenant.analyst), 404)

    viewed = await client.get("/api/absences", headers=tenant.viewer)
    assert viewed.status_code == 200
    assert viewed.json()["items"] == []
    problem(await client.get(f"/api/absences/{mine.id}", headers=tenant.viewer), 404)
    problem(await client.get("/api/absences"), 401)


async def test_list_filters(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    first, second = tenant.analysts[0], tenant.analysts[1]
    early = await make_absence(session, first, date(2025, 1, 6), date(2025, 1, 10))
    middle = await make_absence(
        session, second, date(2025, 1, 13), date(2025, 1, 15), status=AbsenceStatus.REQUESTED
    )
    late = await make_absence(session, first, date(2025, 1, 20), date(2025, 1, 20))
    await session.commit()

    async def ids(**params: Any) -> list[int]:
        response = await client.get("/api/absences", params=params, headers=tenant.manager)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    assert await ids() == [early.id, middle.id, late.id]
    assert await ids(status="requested") == [middle.id]
    assert await ids(status="approved") == [early.id, late.id]
    assert await ids(analyst_id=first.id) == [early.id, late.id]
    assert await ids(analyst_id=first.id, status="requested") == []
    assert await ids(start="2025-01-10") == [early.id, middle.id, late.id]
    assert await ids(start="2025-01-11") == [middle.id, late.id]
    assert await ids(end="2025-01-13") == [early.id, middle.id]
    assert await ids(start="2025-01-16", end="2025-01-19") == []
    assert await ids(start="2025-01-15", end="2025-01-20") == [middle.id, late.id]
    first_page = await client.get("/api/absences", params={"limit": 2}, headers=tenant.manager)
    assert [a["id"] for a in first_page.json()["items"]] == [early.id, middle.id]
    cursor = first_page.json()["next_cursor"]
    assert await ids(limit=2, cursor=cursor) == [late.id]
    problem(await client.get("/api/absences?status=pending", headers=tenant.manager), 422)


async def test_other_organizations_absences_are_invisible(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    foreign = await make_absence(
        session, other_tenant.analysts[0], D, D, status=AbsenceStatus.REQUESTED
    )
    foreign_approved = await make_absence(session, other_tenant.analysts[1], D, D)
    await session.commit()

    problem(await client.get(f"/api/absences/{foreign.id}", headers=tenant.admin), 404)
    for action in ("approve", "reject", "cancel"):
        for target in (foreign, foreign_approved):
            url = f"/api/absences/{target.id}/{action}"
            problem(await client.post(url, headers=tenant.admin), 404)
    listed = await client.get("/api/absences", headers=tenant.admin)
    assert listed.json()["items"] == []
    filtered = await client.get(
        "/api/absences", params={"analyst_id": other_tenant.analysts[0].id}, headers=tenant.admin
    )
    # Named in a filter, another organization's analyst is one that does not exist.
    assert problem(filtered, 422)["errors"][0]["parameter"] == "analyst_id"
    body = problem(
        await request(client, tenant.admin, 0, 0, analyst_id=other_tenant.analysts[0].id), 422
    )
    assert body["errors"][0]["pointer"] == "#/analyst_id"
    problem(await request(client, tenant.admin, 0, 0, analyst_id=999_999), 422)

    # The other organization still sees its own absence, untouched.
    theirs = await client.get(f"/api/absences/{foreign.id}", headers=other_tenant.manager)
    assert theirs.status_code == 200
    assert theirs.json()["status"] == "requested"


async def test_an_analyst_in_another_team_is_requested_for_like_anyone(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    team = await make_team(session, tenant.org)
    analyst = await make_analyst(session, team)
    await session.commit()
    absence_id = await requested(client, tenant, 0, 0, analyst.id)
    approved = await client.post(f"/api/absences/{absence_id}/approve", headers=tenant.manager)
    assert approved.status_code == 200, approved.text
    assert approved.json()["stranded_assignments"] == []
    assert approved.json()["conflicts"] == []
