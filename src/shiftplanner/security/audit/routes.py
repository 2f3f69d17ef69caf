from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from shiftplanner.dependencies import SessionDep
from shiftplanner.errors import InvalidInput
from shiftplanner.kit.pagination import PageParamsDep
from shiftplanner.kit.schemas import Page
from shiftplanner.kit.validators import Id
from shiftplanner.security.audit import schemas
from shiftplanner.security.audit import service as audit_service
from shiftplanner.security.dependencies import AdminActor

router = APIRouter(prefix="/monitoring/security", tags=["security"])

INSTANT = "A date (`2026-11-23`, the whole day) or an ISO 8601 date-time."


def _instant(value: str | None, parameter: str, *, end: bool) -> datetime | None:
    """A date means the whole day: from its start, or (as an end) up to its end."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1) if end else day, time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{parameter} is not a date or date-time.",
            errors=[
                {"parameter": parameter, "in": "query", "detail": "expected YYYY-MM-DD or ISO 8601"}
            ],
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get("/audit-logs")
async def list_audit_logs(
    session: SessionDep,
    actor: AdminActor,
    page: PageParamsDep,
    start_date: Annotated[
        str | None, Query(alias="startDate", max_length=40, description=INSTANT)
    ] = None,
    end_date: Annotated[
        str | None, Query(alias="endDate", max_length=40, description=INSTANT)
    ] = None,
    user_id: Annotated[
        Id | None, Query(alias="userId", description="Entries of this acting user.")
    ] = None,
    action: Annotated[
        str | None, Query(max_length=100, description="e.g. `auth.login`, `schedule.updated`.")
    ] = None,
    resource_type: Annotated[str | None, Query(alias="resourceType", max_length=64)] = None,
) -> Page[schemas.AuditEntry]:
    """Your organization's audit trail, newest first (admin): every change with its old
    and new values, every sign-in and failed sign-in, lockouts, refused writes, token
    reuse and API key use, each with who, from where and the request id."""
    result = await audit_service.list_entries(
        session,
        actor,
        page,
        since=_instant(start_date, "startDate", end=False),
        until=_instant(end_date, "endDate", end=True),
        user_id=user_id,
        action=action,
        resource_type=resource_type,
    )
    return Page[schemas.AuditEntry].build(*result)
