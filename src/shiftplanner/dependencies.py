"""Request-scoped dependencies every router uses: the runtime and the database session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.errors import ShiftPlannerError
from shiftplanner.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's unit of work and the only place a request commits. It runs with
    scope "function": the commit happens after the route returns but before the response
    is sent, so a failed commit becomes an error response, never a lost write."""
    async with runtime.session_factory() as session:
        try:
            yield session
        except ShiftPlannerError as error:
            await (session.commit() if error.keep_changes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
