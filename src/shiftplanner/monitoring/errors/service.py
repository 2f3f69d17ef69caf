"""Recording unhandled exceptions and reading the groups.

`capture` is what the safety net of the request middleware (and any background job)
calls: it counts the exception in the Prometheus counter and upserts its group in a
transaction of its own. It never raises: a failure to record (the database down, which
may well be the failure being recorded) is logged and forgotten, so that it cannot
become a second failure of the request."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shiftplanner.db import session_scope
from shiftplanner.errors import NotFound
from shiftplanner.kit.pagination import PageParams, paginate
from shiftplanner.kit.time import utcnow
from shiftplanner.logging import get_logger
from shiftplanner.models import ErrorGroup
from shiftplanner.monitoring.errors.occurrence import Occurrence, describe, type_name
from shiftplanner.monitoring.errors.repository import ErrorGroupRepository
from shiftplanner.monitoring.metrics import UNHANDLED_ERRORS
from shiftplanner.security.context import RequestContext

log = get_logger(__name__)

# How long recording may take before it is given up (a database that does not answer).
RECORD_TIMEOUT_SECONDS = 10.0


async def record(session: AsyncSession, occurrence: Occurrence) -> None:
    """Count the occurrence in its group (created on the first)."""
    await ErrorGroupRepository(session).add_occurrence(occurrence)


async def capture(
    session_factory: async_sessionmaker[AsyncSession] | None,
    error: BaseException,
    *,
    context: RequestContext | None = None,
    method: str | None = None,
    route: str | None = None,
) -> None:
    """Record an unhandled exception (with the request it broke, if any): the counter
    `shiftplanner_unhandled_errors`, then its group in the database. Never raises."""
    try:
        UNHANDLED_ERRORS.labels(exception_type=type_name(error)).inc()
        occurrence = describe(
            error,
            occurred_at=utcnow(),
            request_id=context.request_id if context else None,
            method=method,
            route=route,
            user_id=context.user_id if context else None,
            api_key_id=context.api_key_id if context else None,
            org_id=context.org_id if context else None,
        )
        if session_factory is None:  # before the app's start-up finished
            return
        async with asyncio.timeout(RECORD_TIMEOUT_SECONDS):
            async with session_scope(session_factory) as session:
                await record(session, occurrence)
    except Exception as failure:
        log.warning(
            "error_tracking_failed",
            exception_type=type_name(error),
            # The first line: a statement error's SQL and parameters follow on others.
            reason=f"{type_name(failure)}: {next(iter(str(failure).splitlines()), '')[:300]}",
        )


async def list_groups(
    session: AsyncSession, page: PageParams
) -> tuple[list[ErrorGroup], str | None]:
    """Groups seen most recently first. A group that recurs while the operator pages
    moves to the front, so a page boundary can skip it; the first page is always fresh."""
    return await paginate(
        session,
        ErrorGroupRepository(session).groups(),
        keys=[ErrorGroup.last_seen_at, ErrorGroup.id],
        params=page,
        descending=True,
    )


async def get_group(session: AsyncSession, error_id: int) -> ErrorGroup:
    group = await ErrorGroupRepository(session).get(error_id)
    if group is None:
        raise NotFound.resource("Error group", error_id)
    return group
