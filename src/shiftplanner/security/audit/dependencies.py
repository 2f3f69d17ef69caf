"""The audit log's query: dates or date-times, snake_case names like the rest of the API,
and the product documents' camelCase names still accepted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Depends, Query

from shiftplanner.errors import InvalidInput
from shiftplanner.kit.validators import Id

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


def _one_of(snake: str | None, camel: str | None, name: str, alias: str) -> str | None:
    """The value of a parameter given by its name or its older camelCase alias."""
    if snake is not None and camel is not None and snake != camel:
        raise InvalidInput(
            f"`{name}` and `{alias}` are the same parameter; give one.",
            errors=[{"parameter": alias, "in": "query", "detail": f"the same as {name}"}],
        )
    return snake if snake is not None else camel


CAMEL = "The product documents' spelling of `{}`, still accepted."


@dataclass(frozen=True, slots=True)
class AuditQuery:
    since: datetime | None
    until: datetime | None
    user_id: int | None
    action: str | None
    resource_type: str | None


async def audit_query(
    start_date: Annotated[str | None, Query(max_length=40, description=INSTANT)] = None,
    end_date: Annotated[str | None, Query(max_length=40, description=INSTANT)] = None,
    user_id: Annotated[Id | None, Query(description="Entries of this acting user.")] = None,
    action: Annotated[
        str | None, Query(max_length=100, description="e.g. `auth.login`, `schedule.updated`.")
    ] = None,
    resource_type: Annotated[
        str | None, Query(max_length=64, description="e.g. `user`, `schedule`, `generation`.")
    ] = None,
    start_date_camel: Annotated[
        str | None,
        Query(
            alias="startDate",
            max_length=40,
            description=CAMEL.format("start_date"),
            deprecated=True,
        ),
    ] = None,
    end_date_camel: Annotated[
        str | None,
        Query(
            alias="endDate", max_length=40, description=CAMEL.format("end_date"), deprecated=True
        ),
    ] = None,
    user_id_camel: Annotated[
        Id | None, Query(alias="userId", description=CAMEL.format("user_id"), deprecated=True)
    ] = None,
    resource_type_camel: Annotated[
        str | None,
        Query(
            alias="resourceType",
            max_length=64,
            description=CAMEL.format("resource_type"),
            deprecated=True,
        ),
    ] = None,
) -> AuditQuery:
    first = _one_of(start_date, start_date_camel, "start_date", "startDate")
    last = _one_of(end_date, end_date_camel, "end_date", "endDate")
    # Errors name the parameter as the client spelt it.
    since = _instant(first, "start_date" if start_date else "startDate", end=False)
    until = _instant(last, "end_date" if end_date else "endDate", end=True)
    if since is not None and until is not None and until <= since:
        raise InvalidInput(
            "`end_date` is before `start_date`.",
            errors=[
                {"parameter": "end_date", "in": "query", "detail": "must not be before start_date"}
            ],
        )
    acting = _one_of(
        None if user_id is None else str(user_id),
        None if user_id_camel is None else str(user_id_camel),
        "user_id",
        "userId",
    )
    return AuditQuery(
        since=since,
        until=until,
        user_id=None if acting is None else int(acting),
        action=action,
        resource_type=_one_of(resource_type, resource_type_camel, "resource_type", "resourceType"),
    )


AuditQueryDep = Annotated[AuditQuery, Depends(audit_query)]
