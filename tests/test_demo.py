"""The demo organization, and the walk a newcomer takes through it: log in as the printed
admin, read this week's schedule, book a shift, be refused a conflicting one, approve an
absence that strands assignments."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select

from shiftplanner import demo
from shiftplanner.db import session_scope
from shiftplanner.models import Absence, AbsenceStatus, Analyst, Assignment, ShiftType, Team, User
from shiftplanner.runtime import Runtime

TODAY = date(2026, 11, 25)  # a Wednesday
MONDAY = date(2026, 11, 23)


async def counts(runtime: Runtime) -> dict[str, int]:
    async with runtime.session_factory() as session:
        return {
            model.__tablename__: int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in (Team, Analyst, ShiftType, Assignment, Absence, User)
        }


async def seed(runtime: Runtime) -> demo.DemoResult:
    async with session_scope(runtime.session_factory) as session:
        return await demo.seed(session, runtime.settings, runtime.passwords, today=TODAY)


async def test_seeding_twice_adds_nothing_the_second_time(runtime: Runtime) -> None:
    first = await seed(runtime)
    after_first = await counts(runtime)
    second = await seed(runtime)
    assert second.created == {}
    assert second.admin is None  # the admin exists; its password is not shown again
    assert await counts(runtime) == after_first
    assert first.admin is not None
    assert first.admin.generated_password
    assert after_first["teams"] == 3
    assert after_first["analysts"] == 12
    assert after_first["shift_types"] == 12
    async with runtime.session_factory() as session:
        first_day, last_day = (
            await session.execute(select(func.min(Assignment.date), func.max(Assignment.date)))
        ).one()
    assert first_day == MONDAY
    assert last_day == MONDAY + timedelta(days=27)


async def test_the_demo_schedule_has_no_hard_conflicts(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    result = await seed(runtime)
    assert result.admin is not None
    token = await login(client, result.admin.email, result.admin.generated_password or "")
    report = await client.get(
        "/api/conflicts",
        params={"start": str(MONDAY), "end": str(MONDAY + timedelta(days=27))},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert report.status_code == 200
    assert report.json()["errors"] == 0


async def login(client: httpx.AsyncClient, email: str, password: str) -> str:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_a_newcomer_walks_through_the_demo(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    runtime.settings.admin_email = "lead@example.com"
    runtime.settings.admin_password = SecretStr("a demo password to remember")
    await seed(runtime)
    headers = {
        "Authorization": f"Bearer {await login(client, 'lead@example.com', 'a demo password to remember')}"
    }

    week = await client.get(
        "/api/schedules",
        params={"start": str(MONDAY), "end": str(MONDAY + timedelta(days=6)), "limit": 500},
        headers=headers,
    )
    assert week.status_code == 200
    booked = week.json()["items"]
    assert len(booked) > 30

    analysts = (await client.get("/api/analysts", params={"limit": 500}, headers=headers)).json()[
        "items"
    ]
    shift_types = (
        await client.get("/api/shift-types", params={"limit": 500}, headers=headers)
    ).json()["items"]
    saturday = str(MONDAY + timedelta(days=5))
    working_saturday = {b["analyst_id"] for b in booked if b["date"] == saturday}
    analyst = next(a for a in analysts if a["id"] not in working_saturday)
    weekend = next(
        s for s in shift_types if s["team_id"] == analyst["team_id"] and s["name"] == "WEEKEND"
    )
    created = await client.post(
        "/api/schedules",
        json={"analyst_id": analyst["id"], "shift_type_id": weekend["id"], "date": saturday},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "manual"

    busy = booked[0]
    clash = await client.post(
        "/api/schedules",
        json={
            "analyst_id": busy["analyst_id"],
            "shift_type_id": busy["shift_type_id"],
            "date": busy["date"],
        },
        headers=headers,
    )
    assert clash.status_code == 409
    assert clash.headers["content-type"] == "application/problem+json"
    problem = clash.json()
    assert problem["conflicts"][0]["type"] == "double_booking"
    assert problem["conflicts"][0]["severity"] == "error"

    pending = (
        await client.get("/api/absences", params={"status": "requested"}, headers=headers)
    ).json()["items"]
    stranding = next(a for a in pending if a["kind"] == "vacation")
    approval = await client.post(f"/api/absences/{stranding['id']}/approve", headers=headers)
    assert approval.status_code == 200, approval.text
    answer = approval.json()
    assert answer["absence"]["status"] == "approved"
    assert answer["stranded_assignments"], "the demo's open vacation request overlaps booked shifts"
    assert {a["analyst_id"] for a in answer["stranded_assignments"]} == {stranding["analyst_id"]}
    assert any(c["type"] == "absence_overlap" for c in answer["conflicts"])
    async with runtime.session_factory() as session:
        status = await session.scalar(select(Absence.status).where(Absence.id == stranding["id"]))
    assert status is AbsenceStatus.APPROVED
