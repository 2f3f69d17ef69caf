"""The skill an assignment covers (`skill`): one of its analyst's skills, counted toward the
shift's skill needs by schedule generation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Analyst, AuditLog, OutboxEvent
from shiftplanner.runtime import Runtime
from tests.assertions import problem
from tests.factories import Tenant, make_analyst

URL = "/api/schedules"
DAY = date(2030, 3, 4)


def pointers(body: dict[str, Any]) -> list[str]:
    return [entry["pointer"] for entry in body.get("errors", []) if "pointer" in entry]


def booking(analyst: Analyst, tenant: Tenant, offset: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "analyst_id": analyst.id,
        "shift_type_id": tenant.shift_types[0].id,
        "date": (DAY + timedelta(days=offset)).isoformat(),
    } | extra


async def booked(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    response = await client.get(
        URL, params={"start": "2030-03-01", "end": "2030-03-31"}, headers=tenant.viewer
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
async def senior(session: AsyncSession, tenant: Tenant) -> Analyst:
    analyst = await make_analyst(session, tenant.team, name="Senior Sam", skills=["senior"])
    await session.commit()
    return analyst


async def test_an_assignment_covers_a_skill_of_its_analyst(
    client: httpx.AsyncClient, tenant: Tenant, senior: Analyst, runtime: Runtime
) -> None:
    created = await client.post(
        URL, json=booking(senior, tenant, skill=" Senior "), headers=tenant.manager
    )
    assert created.status_code == 201, created.text
    assert created.json()["skill"] == "senior"
    plain = await client.post(URL, json=booking(senior, tenant, 1), headers=tenant.manager)
    assert plain.json()["skill"] is None
    url = f"{URL}/{created.json()['id']}"
    assert (await client.get(url, headers=tenant.viewer)).json()["skill"] == "senior"

    dropped = await client.patch(
        url, json={"skill": None}, headers={**tenant.manager, "If-Match": '"1"'}
    )
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["skill"] is None
    async with runtime.session_factory() as db:
        [event] = await db.scalars(
            select(OutboxEvent).where(
                OutboxEvent.event_type == "schedule.created",
                OutboxEvent.resource_id == created.json()["id"],
            )
        )
        [update] = await db.scalars(
            select(OutboxEvent).where(
                OutboxEvent.event_type == "schedule.updated",
                OutboxEvent.resource_id == created.json()["id"],
            )
        )
        [audited] = await db.scalars(
            select(AuditLog.changes).where(
                AuditLog.action == "schedule.updated",
                AuditLog.resource_id == created.json()["id"],
            )
        )
    assert event.payload["data"]["skill"] == "senior"
    assert update.payload["changes"] == {"skill": {"old": "senior", "new": None}}
    assert audited == update.payload["changes"]


async def test_a_skill_the_analyst_lacks_is_refused_naming_the_field(
    client: httpx.AsyncClient, tenant: Tenant, senior: Analyst
) -> None:
    junior = tenant.analysts[1]
    lacking = await client.post(
        URL, json=booking(junior, tenant, skill="senior"), headers=tenant.manager
    )
    body = problem(lacking, 422)
    assert pointers(body) == ["#/skill"]
    assert f"{junior.name} does not have the skill 'senior'" in str(body["errors"])
    malformed = await client.post(
        URL, json=booking(senior, tenant, skill="night owl"), headers=tenant.manager
    )
    assert pointers(problem(malformed, 422)) == ["#/skill"]
    assert await booked(client, tenant) == []

    created = await client.post(
        URL, json=booking(senior, tenant, skill="senior"), headers=tenant.manager
    )
    url = f"{URL}/{created.json()['id']}"
    v1 = {**tenant.manager, "If-Match": '"1"'}
    # Handing the shift to an analyst without the skill takes the skill along: refused.
    moved = await client.patch(url, json={"analyst_id": junior.id}, headers=v1)
    assert pointers(problem(moved, 422)) == ["#/skill"]
    other = await client.patch(url, json={"skill": "triage"}, headers=v1)
    assert pointers(problem(other, 422)) == ["#/skill"]
    handed = await client.patch(url, json={"analyst_id": junior.id, "skill": None}, headers=v1)
    assert handed.status_code == 200, handed.text
    assert (handed.json()["analyst_id"], handed.json()["skill"]) == (junior.id, None)


async def test_a_skill_the_analyst_has_since_lost_stays_until_changed(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, senior: Analyst
) -> None:
    created = await client.post(
        URL, json=booking(senior, tenant, skill="senior"), headers=tenant.manager
    )
    senior.skills = ["triage"]
    await session.commit()
    url = f"{URL}/{created.json()['id']}"
    noted = await client.patch(
        url, json={"note": "covering"}, headers={**tenant.manager, "If-Match": '"1"'}
    )
    assert noted.status_code == 200, noted.text
    assert noted.json()["skill"] == "senior"
    switched = await client.patch(
        url, json={"skill": "triage"}, headers={**tenant.manager, "If-Match": '"2"'}
    )
    assert switched.json()["skill"] == "triage"


async def test_a_bulk_item_with_a_skill_the_analyst_lacks_names_its_item(
    client: httpx.AsyncClient, tenant: Tenant, senior: Analyst
) -> None:
    items = [
        booking(senior, tenant, skill="senior"),
        booking(tenant.analysts[1], tenant, 1, skill="senior"),
    ]
    refused = problem(
        await client.post(f"{URL}/bulk", json={"items": items}, headers=tenant.manager), 422
    )
    assert [(e["pointer"], e["index"]) for e in refused["errors"]] == [("#/items/1/skill", 1)]
    assert await booked(client, tenant) == []
    accepted = await client.post(f"{URL}/bulk", json={"items": items[:1]}, headers=tenant.manager)
    assert accepted.status_code == 200, accepted.text
    assert [a["skill"] for a in accepted.json()["created"]] == ["senior"]
