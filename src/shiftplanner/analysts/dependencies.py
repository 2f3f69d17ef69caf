from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.analysts import service as analyst_service
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.filters import unknown
from shiftplanner.kit.validators import Id
from shiftplanner.security.actor import Actor
from shiftplanner.security.dependencies import CurrentActor

AnalystQuery = Annotated[Id | None, Query(description="Only this analyst's.")]


async def ensure_analyst(session: AsyncSession, actor: Actor, analyst_id: int | None) -> None:
    """A `analyst_id` filter must name one of the caller's organization's (else 422)."""
    if analyst_id is not None and not await analyst_service.get_many(session, actor, [analyst_id]):
        raise unknown("analyst_id", "Analyst", analyst_id)


async def analyst_filter(
    session: SessionDep, actor: CurrentActor, analyst_id: AnalystQuery = None
) -> int | None:
    await ensure_analyst(session, actor, analyst_id)
    return analyst_id


AnalystFilter = Annotated[int | None, Depends(analyst_filter)]
