"""Warming: after a start, this and next week's schedule of every team is already cached."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.config import Settings
from shiftplanner.kit.time import week_start
from shiftplanner.runtime import Runtime
from tests.conftest import running
from tests.factories import Tenant, make_assignment


async def test_this_and_next_weeks_schedule_are_cached_at_start(
    settings: Settings, session: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    monday = week_start(date.today())
    await make_assignment(session, tenant.analysts[0], tenant.shift_types[0], monday)
    await make_assignment(session, other_tenant.analysts[0], other_tenant.shift_types[0], monday)
    await session.commit()
    async with running(settings.model_copy(update={"cache_warm_up": True})) as (app, http):
        runtime: Runtime = app.state.runtime
        assert runtime.response_store is not None
        for _ in range(100):  # bounded: 5 s
            if len(runtime.response_store.memory) >= 8:
                break
            await asyncio.sleep(0.05)
        for headers, team in (
            (tenant.viewer, tenant.team),
            (other_tenant.viewer, other_tenant.team),
        ):
            for first in (monday, monday + timedelta(days=7)):
                params = {
                    "start": first.isoformat(),
                    "end": (first + timedelta(days=6)).isoformat(),
                    "team_id": str(team.id),
                }
                for extra in ({}, {"limit": "500"}):
                    answer = await http.get(
                        "/api/schedules", params={**params, **extra}, headers=headers
                    )
                    assert answer.headers["x-cache"] == "HIT", (team.id, first, extra)
                    expected = 1 if first == monday else 0
                    assert len(answer.json()["items"]) == expected
