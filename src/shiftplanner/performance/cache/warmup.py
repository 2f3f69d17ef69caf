"""Warming the cache when the service starts: this week's and next week's schedule of
every team, as the week view asks for them, so that the first person to open a team's
calendar after a restart does not wait for the database. Bounded in organizations, teams
and time; a failure only logs (the answers are then computed on first use, as ever)."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.kit.pagination import MAX_LIMIT, PageParams
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.time import week_start
from shiftplanner.logging import get_logger
from shiftplanner.models import DataVersion
from shiftplanner.performance.cache.keys import EVERYONE, SCHEDULE_TTL, response_key
from shiftplanner.performance.cache.store import ResponseStore
from shiftplanner.schedules import service as schedule_service
from shiftplanner.schedules.schemas import Assignment
from shiftplanner.security.actor import Actor
from shiftplanner.teams import service as team_service

log = get_logger(__name__)

SCHEDULE_PATH = "/api/schedules"
MAX_ORGANIZATIONS = 1000
TIME_LIMIT_SECONDS = 60.0
# The week view asks with the default page, or for the whole week at once.
PAGE_SIZES = (None, MAX_LIMIT)


async def warm_up(
    session_factory: async_sessionmaker[AsyncSession], store: ResponseStore, today: date
) -> int:
    """Compute and keep the answers; how many were kept."""
    started = time.monotonic()
    weeks = [week_start(today), week_start(today) + timedelta(days=7)]
    kept = 0
    async with session_factory() as session:
        versions = (
            await session.execute(
                select(DataVersion.org_id, DataVersion.epoch, DataVersion.version).limit(
                    MAX_ORGANIZATIONS
                )
            )
        ).all()
        for org_id, epoch, version in versions:
            actor = Actor.system(org_id)
            teams, _ = await team_service.list_teams(session, actor, PageParams(limit=MAX_LIMIT))
            for team in teams:
                for monday in weeks:
                    for limit in PAGE_SIZES:
                        if time.monotonic() - started > TIME_LIMIT_SECONDS:
                            log.info("cache_warm_up_cut_short", kept=kept)
                            return kept
                        tag = f"{epoch}.{version}"
                        await _week(session, store, actor, tag, team.id, monday, limit)
                        kept += 1
                await asyncio.sleep(0)  # let requests in between teams
    return kept


async def _week(
    session: AsyncSession,
    store: ResponseStore,
    actor: Actor,
    data_version: str,
    team_id: int,
    monday: date,
    limit: int | None,
) -> None:
    sunday = monday + timedelta(days=6)
    query = [("start", monday.isoformat()), ("end", sunday.isoformat()), ("team_id", str(team_id))]
    params = PageParams()
    if limit is not None:
        query.append(("limit", str(limit)))
        params = PageParams(limit=limit)
    result = await schedule_service.list_assignments(
        session, actor, params, start=monday, end=sunday, team_id=team_id
    )
    key = response_key(
        store.key_prefix,
        org_id=actor.org_id,
        data_version=data_version,
        audience=EVERYONE,
        path=SCHEDULE_PATH,
        query=query,
    )
    body = Page[Assignment].build(*result).model_dump_json().encode()
    await store.set(key, body, SCHEDULE_TTL)
