from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from shiftplanner.analysts import service as analyst_service
from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.filters import unknown
from shiftplanner.kit.validators import Id
from shiftplanner.security.dependencies import CurrentActor


async def analyst_filter(
    session: SessionDep,
    actor: CurrentActor,
    analyst_id: Annotated[Id | None, Query(description="Only this analyst's.")] = None,
) -> int | None:
    """An `analyst_id` filter naming an analyst of the caller's organization (else 422)."""
    if analyst_id is not None and not await analyst_service.get_many(session, actor, [analyst_id]):
        raise unknown("analyst_id", "Analyst", analyst_id)
    return analyst_id


AnalystFilter = Annotated[int | None, Depends(analyst_filter)]
