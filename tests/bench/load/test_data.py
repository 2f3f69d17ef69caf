"""The load tests' data generator, at a small scale: what it builds is data the service
serves like any organization's (its users sign in, a team's week is whole, nothing in it
is a hard conflict, one organization sees none of another's), on both backends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.load import data
from shiftplanner.models import Assignment, Organization, Role
from tests.conftest import make_settings, running


async def test_the_generated_organizations_are_served_like_any(empty_database: str) -> None:
    scale = data.Scale(organizations=2, assignments=7 * 54)  # a week of 2 × 3 teams × 9 a day
    advanced: dict[str, int] = {}

    def advance(what: str, count: int) -> None:
        advanced[what] = advanced.get(what, 0) + count

    dataset = await data.generate(empty_database, scale, advance)

    assert scale.days == 7
    assert advanced == {"organizations": 2, "assignments": scale.total_assignments}
    engine = create_async_engine(empty_database)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(Organization)) == 2
            stored = await connection.scalar(select(func.count()).select_from(Assignment))
    finally:
        await engine.dispose()
    assert stored == scale.total_assignments

    week = {"start": dataset.first_day.isoformat(), "end": dataset.last_day.isoformat()}
    async with running(make_settings(empty_database)) as (_, client):
        signed = await client.post(
            "/api/auth/login",
            json={"email": data.Dataset.email(2, Role.MANAGER), "password": data.PASSWORD},
        )
        assert signed.status_code == 200, signed.text
        manager = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        teams = (await client.get("/api/teams", headers=manager)).json()["items"]
        assert len(teams) == len(data.TEAMS)

        schedule = await client.get(
            "/api/schedules",
            params={**week, "team_id": teams[0]["id"], "limit": 500},
            headers=manager,
        )
        assert schedule.status_code == 200, schedule.text
        items = schedule.json()["items"]
        assert len(items) == 7 * len(data.SHIFTS) * data.ON_SHIFT
        assert {item["date"] for item in items} == {
            (dataset.first_day + timedelta(days=n)).isoformat() for n in range(7)
        }

        conflicts = await client.get(
            "/api/conflicts", params={**week, "team_id": teams[0]["id"]}, headers=manager
        )
        assert conflicts.status_code == 200, conflicts.text
        report = conflicts.json()
        assert report["errors"] == 0, report["by_type"]

        first_orgs_team = await client.get(
            "/api/schedules", params={**week, "team_id": 1}, headers=manager
        )
        assert first_orgs_team.status_code == 422
