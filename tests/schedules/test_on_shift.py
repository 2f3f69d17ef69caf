"""Who is on shift now: the schedules domain's read function and `GET
/api/teams/{id}/on-shift`, which alert escalation and people both ask."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AbsenceStatus
from shiftplanner.schedules import service as schedule_service
from shiftplanner.security.actor import Actor
from tests.assertions import problem
from tests.factories import (
    Tenant,
    make_absence,
    make_analyst,
    make_assignment,
    make_shift_type,
    make_team,
)

MONDAY = date(2030, 1, 7)  # London is on GMT: local time is UTC.


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


async def on_shift(
    client: httpx.AsyncClient,
    tenant: Tenant,
    at: datetime | str,
    *,
    team_id: int | None = None,
    headers: dict[str, str] | None = None,
    **query: Any,
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/teams/{team_id or tenant.team.id}/on-shift",
        params={"at": at.isoformat() if isinstance(at, datetime) else at, **query},
        headers=headers or tenant.manager,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def names(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


async def test_a_shift_includes_its_start_and_excludes_its_end(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    morning, night = tenant.shift_types
    day_analyst, night_analyst = tenant.analysts[0], tenant.analysts[1]
    await make_assignment(session, day_analyst, morning, MONDAY)
    await make_assignment(session, night_analyst, night, MONDAY)
    await session.commit()

    assert await on_shift(client, tenant, utc(2030, 1, 7, 6, 59, 59)) == []
    [first] = await on_shift(client, tenant, utc(2030, 1, 7, 7))
    assert first["name"] == day_analyst.name
    assert (first["shift_type_name"], first["date"]) == ("MORNING", "2030-01-07")
    assert (first["starts_at"], first["ends_at"]) == (
        "2030-01-07T07:00:00Z",
        "2030-01-07T15:00:00Z",
    )
    assert names(await on_shift(client, tenant, utc(2030, 1, 7, 14, 59, 59))) == [day_analyst.name]
    assert await on_shift(client, tenant, utc(2030, 1, 7, 15)) == []
    assert names(await on_shift(client, tenant, utc(2030, 1, 7, 23))) == [night_analyst.name]


async def test_a_night_that_began_yesterday_is_still_on_after_midnight(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    night = tenant.shift_types[1]
    await make_assignment(session, tenant.analysts[1], night, MONDAY)
    await session.commit()

    [item] = await on_shift(client, tenant, utc(2030, 1, 8, 2))
    assert item["analyst_id"] == tenant.analysts[1].id
    assert item["date"] == "2030-01-07"
    assert (item["starts_at"], item["ends_at"]) == ("2030-01-07T23:00:00Z", "2030-01-08T07:00:00Z")
    # An offset other than UTC names the same moment: 03:00 in Paris is 02:00 in London.
    assert names(await on_shift(client, tenant, "2030-01-08T03:00:00+01:00")) == [
        tenant.analysts[1].name
    ]
    assert await on_shift(client, tenant, utc(2030, 1, 8, 7)) == []


async def test_a_night_across_a_dst_change_is_an_hour_shorter_or_longer(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    night = tenant.shift_types[1]
    spring, autumn = tenant.analysts[0], tenant.analysts[1]
    # The last Saturday nights of March and October 2030: London's clocks change at 01:00 UTC.
    await make_assignment(session, spring, night, date(2030, 3, 30))
    await make_assignment(session, autumn, night, date(2030, 10, 26))
    await session.commit()

    [short] = await on_shift(client, tenant, utc(2030, 3, 31, 5, 59))
    # 23:00 GMT to 07:00 BST: seven hours.
    assert (short["starts_at"], short["ends_at"]) == (
        "2030-03-30T23:00:00Z",
        "2030-03-31T06:00:00Z",
    )
    assert await on_shift(client, tenant, utc(2030, 3, 31, 6, 30)) == []

    [long] = await on_shift(client, tenant, utc(2030, 10, 27, 6, 30))
    # 23:00 BST to 07:00 GMT: nine hours.
    assert long["name"] == autumn.name
    assert (long["starts_at"], long["ends_at"]) == ("2030-10-26T22:00:00Z", "2030-10-27T07:00:00Z")
    assert names(await on_shift(client, tenant, utc(2030, 10, 26, 22, 30))) == [autumn.name]


async def test_approved_absences_and_inactive_analysts_are_not_on_shift(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    morning, night = tenant.shift_types
    away, asked, working = tenant.analysts
    retired = await make_analyst(session, tenant.team, name="Retired", active=False)
    for analyst in (away, asked, working, retired):
        await make_assignment(session, analyst, morning, MONDAY)
    await make_absence(session, away, MONDAY, MONDAY)
    # Only requested: until a manager approves it the analyst is expected at work.
    await make_absence(session, asked, MONDAY, MONDAY, status=AbsenceStatus.REQUESTED)
    # A night into a day of absence overlaps it, as the conflict rules judge it.
    await make_assignment(session, working, night, date(2030, 1, 8))
    await make_absence(session, working, date(2030, 1, 9), date(2030, 1, 9))
    await session.commit()

    at = utc(2030, 1, 7, 10)
    assert sorted(names(await on_shift(client, tenant, at))) == sorted([asked.name, working.name])
    assert await on_shift(client, tenant, utc(2030, 1, 8, 23, 30)) == []


async def test_shift_times_are_local_to_the_team(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    singapore = await make_team(session, tenant.org, code="SGP", timezone="Asia/Singapore")
    early = await make_shift_type(session, singapore, name="EARLY", start=time(7), end=time(15))
    analyst = await make_analyst(session, singapore, name="Mei")
    # 07:00 in Singapore on the 8th is 23:00 UTC on the 7th.
    await make_assignment(session, analyst, early, date(2030, 1, 8))
    await session.commit()

    [item] = await on_shift(client, tenant, utc(2030, 1, 7, 23, 30), team_id=singapore.id)
    assert (item["name"], item["date"]) == ("Mei", "2030-01-08")
    assert item["starts_at"] == "2030-01-07T23:00:00Z"
    assert await on_shift(client, tenant, utc(2030, 1, 8, 7), team_id=singapore.id) == []
    # London's shifts are London's: nobody of that team is asked about.
    assert await on_shift(client, tenant, utc(2030, 1, 8, 1)) == []


async def test_screeners_only_and_one_shift_type(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    morning = tenant.shift_types[0]
    qualified, unqualified, plain = tenant.analysts
    second = await make_shift_type(session, tenant.team, name="MIDDAY", start=time(9), end=time(17))
    await make_assignment(session, qualified, morning, MONDAY, screener=True)
    # On screener duty without the skill (a conflict the schedule shows): not a screener.
    await make_assignment(session, unqualified, morning, MONDAY, screener=True)
    await make_assignment(session, plain, second, MONDAY)
    await session.commit()

    at = utc(2030, 1, 7, 10)
    assert len(await on_shift(client, tenant, at)) == 3
    [screener] = await on_shift(client, tenant, at, screeners_only="true")
    assert (screener["name"], screener["is_screener"]) == (qualified.name, True)
    assert names(await on_shift(client, tenant, at, shift_type_id=second.id)) == [plain.name]


async def test_contact_details_for_managers_only(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    analyst = tenant.analysts[0]
    analyst.phone = "+447700900123"
    await make_assignment(session, analyst, tenant.shift_types[0], MONDAY)
    await session.commit()

    at = utc(2030, 1, 7, 8)
    for headers in (tenant.admin, tenant.manager):
        [item] = await on_shift(client, tenant, at, headers=headers)
        assert (item["email"], item["phone"]) == (analyst.email, "+447700900123")
    for headers in (tenant.analyst, tenant.viewer):
        [item] = await on_shift(client, tenant, at, headers=headers)
        assert item["name"] == analyst.name
        assert (item["email"], item["phone"]) == (None, None)


async def test_bad_questions_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    url = f"/api/teams/{tenant.team.id}/on-shift"
    naive = await client.get(url, params={"at": "2030-01-07T10:00:00"}, headers=tenant.viewer)
    problem(naive, 422)
    far = await client.get(url, params={"at": "0001-01-01T00:00:00+14:00"}, headers=tenant.viewer)
    problem(far, 422)
    foreign_type = other_tenant.shift_types[0].id
    wrong = await client.get(url, params={"shift_type_id": foreign_type}, headers=tenant.viewer)
    assert problem(wrong, 422)["errors"][0]["parameter"] == "shift_type_id"
    # Another organization's team does not exist for this one.
    other = await client.get(url, headers=other_tenant.admin)
    problem(other, 404)
    # Without `at`: now.
    now = await client.get(url, headers=tenant.viewer)
    assert now.status_code == 200, now.text
    assert now.json()["team_id"] == tenant.team.id


async def test_the_service_answers_alerting_as_the_system(
    tenant: Tenant, session: AsyncSession
) -> None:
    """Alert escalation asks as the organization's system actor, with everything a page
    needs: the linked user account and the phone number."""
    analyst = tenant.analysts[2]
    analyst.phone = "+447700900456"
    await make_assignment(session, analyst, tenant.shift_types[1], MONDAY)
    await session.commit()

    [found] = await schedule_service.on_shift(
        session, Actor.system(tenant.org.id), team_id=tenant.team.id, at=utc(2030, 1, 8, 3)
    )
    assert (found.analyst_id, found.user_id, found.phone) == (
        analyst.id,
        analyst.user_id,
        "+447700900456",
    )
    assert found.shift_type_name == "NIGHT"
