"""The error groups table: one upsert per occurrence, and the reads of the routes."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.db import is_postgresql
from shiftplanner.models import ErrorGroup
from shiftplanner.monitoring.errors.occurrence import Occurrence


class ErrorGroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_occurrence(self, occurrence: Occurrence) -> None:
        """Count the occurrence in its group, creating the group on the first one. One
        statement (INSERT … ON CONFLICT DO UPDATE): two processes meeting the same new
        failure at once both count, neither fails on the unique fingerprint."""
        latest = {
            "exception_type": occurrence.exception_type,
            "location": occurrence.location,
            "message": occurrence.message,
            "last_seen_at": occurrence.occurred_at,
            "sample_traceback": occurrence.traceback,
            "last_request_id": occurrence.request_id,
            "last_method": occurrence.method,
            "last_route": occurrence.route,
            "last_user_id": occurrence.user_id,
            "last_api_key_id": occurrence.api_key_id,
            "last_org_id": occurrence.org_id,
        }
        insert = postgresql_insert if is_postgresql(self.session) else sqlite_insert
        statement = insert(ErrorGroup).values(
            fingerprint=occurrence.fingerprint,
            count=1,
            first_seen_at=occurrence.occurred_at,
            **latest,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[ErrorGroup.fingerprint],
                set_={"count": ErrorGroup.count + 1, **latest},
            )
        )

    def groups(self) -> Select[ErrorGroup]:
        return select(ErrorGroup)

    async def get(self, error_id: int) -> ErrorGroup | None:
        return await self.session.get(ErrorGroup, error_id)
