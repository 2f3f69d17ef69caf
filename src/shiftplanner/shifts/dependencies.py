from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.dependencies import SessionDep
from shiftplanner.kit.filters import unknown
from shiftplanner.kit.validators import Id
from shiftplanner.security.actor import Actor
from shiftplanner.security.dependencies import CurrentActor
from shiftplanner.shifts import service as shift_service

ShiftTypeQuery = Annotated[Id | None, Query(description="Only of this shift type.")]


async def ensure_shift_type(session: AsyncSession, actor: Actor, shift_type_id: int | None) -> None:
    """A `shift_type_id` filter must name one of the caller's organization's (else 422)."""
    if shift_type_id is not None and not await shift_service.get_many(
        session, actor, [shift_type_id]
    ):
        raise unknown("shift_type_id", "Shift type", shift_type_id)


async def shift_type_filter(
    session: SessionDep, actor: CurrentActor, shift_type_id: ShiftTypeQuery = None
) -> int | None:
    await ensure_shift_type(session, actor, shift_type_id)
    return shift_type_id


ShiftTypeFilter = Annotated[int | None, Depends(shift_type_filter)]
