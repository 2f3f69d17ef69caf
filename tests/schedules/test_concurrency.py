"""Concurrent writers on one schedule: each request runs in its own session and
transaction, so these races are real; a few rounds each make a lucky interleaving
unlikely to hide one."""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Tenant, make_assignment, make_shift_type

URL = "/api/schedules"
DAY = date(2030, 3, 4)
ROUNDS = 5


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    kind: str = response.json()["type"]
    return kind


async def booked(
    client: httpx.AsyncClient, tenant: Tenant, day: date, analyst_id: int
) -> list[Any]:
    params: dict[str, Any] = {"start": str(day), "end": str(day), "analyst_id": analyst_id}
    response = await client.get(URL, params=params, headers=tenant.viewer)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def test_two_patches_with_the_same_if_match_one_wins(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    for round_ in range(ROUNDS):
        day = DAY + timedelta(days=2 * round_)
        target = await make_assignment(session, tenant.analysts[0], tenant.shift_types[0], day)
        await session.commit()
        headers = {**tenant.manager, "If-Match": '"1"'}
        responses = await asyncio.gather(
            *(
                client.patch(f"{URL}/{target.id}", json={"note": f"writer {n}"}, headers=headers)
                for n in range(2)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 412], [r.text for r in responses]
        [winner] = [r for r in responses if r.status_code == 200]
        [loser] = [r for r in responses if r.status_code == 412]
        assert problem_type(loser).endswith("precondition-failed")
        current = (await client.get(f"{URL}/{target.id}", headers=tenant.viewer)).json()
        assert (current["version"], current["note"]) == (2, winner.json()["note"])


async def test_two_patches_with_the_same_body_version_one_wins(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    for round_ in range(ROUNDS):
        day = DAY + timedelta(days=2 * round_)
        target = await make_assignment(session, tenant.analysts[1], tenant.shift_types[0], day)
        await session.commit()
        responses = await asyncio.gather(
            *(
                client.patch(
                    f"{URL}/{target.id}",
                    json={"note": f"writer {n}", "version": 1},
                    headers=tenant.manager,
                )
                for n in range(2)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        [winner] = [r for r in responses if r.status_code == 200]
        [loser] = [r for r in responses if r.status_code == 409]
        assert problem_type(loser).endswith("stale-version")
        current = (await client.get(f"{URL}/{target.id}", headers=tenant.viewer)).json()
        assert (current["version"], current["note"]) == (2, winner.json()["note"])


async def test_two_posts_double_booking_one_analyst_one_wins(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    analyst, morning = tenant.analysts[0], tenant.shift_types[0]
    early = await make_shift_type(session, tenant.team, name="EARLY", start=time(6), end=time(14))
    await session.commit()
    for round_ in range(ROUNDS):
        day = DAY + timedelta(days=2 * round_)
        responses = await asyncio.gather(
            *(
                client.post(
                    URL,
                    json={"analyst_id": analyst.id, "shift_type_id": shift.id, "date": str(day)},
                    headers=tenant.manager,
                )
                for shift in (morning, early)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], [r.text for r in responses]
        [winner] = [r for r in responses if r.status_code == 201]
        [loser] = [r for r in responses if r.status_code == 409]
        assert problem_type(loser).endswith("schedule-conflict")
        assert [c["type"] for c in loser.json()["conflicts"]] == ["double_booking"]
        stored = await booked(client, tenant, day, analyst.id)
        assert [a["id"] for a in stored] == [winner.json()["id"]]


async def test_two_bulks_double_booking_one_analyst_one_wins(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    analyst, other, morning = tenant.analysts[0], tenant.analysts[1], tenant.shift_types[0]
    early = await make_shift_type(session, tenant.team, name="EARLY", start=time(6), end=time(14))
    await session.commit()
    for round_ in range(ROUNDS):
        day = DAY + timedelta(days=2 * round_)

        def items(shift_id: int, day: date = day) -> list[dict[str, Any]]:
            clash = {"analyst_id": analyst.id, "shift_type_id": shift_id, "date": str(day)}
            free = {"analyst_id": other.id, "shift_type_id": shift_id, "date": str(day)}
            return [free, clash] if shift_id == morning.id else [clash]

        responses = await asyncio.gather(
            *(
                client.post(f"{URL}/bulk", json={"items": items(shift.id)}, headers=tenant.manager)
                for shift in (morning, early)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        [winner] = [r for r in responses if r.status_code == 200]
        assert problem_type(next(r for r in responses if r.status_code == 409)).endswith(
            "schedule-conflict"
        )
        created = {a["id"] for a in winner.json()["created"]}
        stored = await booked(client, tenant, day, analyst.id)
        assert len(stored) == 1
        assert stored[0]["id"] in created
        assert len(await booked(client, tenant, day, other.id)) == (1 if len(created) == 2 else 0)
