from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AuditLog, AuditOutcome

LOGIN_ACTION = "auth.login"


class AuditLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, entry: AuditLog) -> None:
        # Not flushed here: the entry goes out with the change it describes.
        self.session.add(entry)

    def filtered(
        self,
        org_id: int,
        *,
        since: datetime | None,
        until: datetime | None,
        user_id: int | None,
        action: str | None,
        resource_type: str | None,
    ) -> Select[AuditLog]:
        query = select(AuditLog).where(AuditLog.org_id == org_id)
        if since is not None:
            query = query.where(AuditLog.occurred_at >= since)
        if until is not None:
            query = query.where(AuditLog.occurred_at < until)
        if user_id is not None:
            query = query.where(AuditLog.actor_user_id == user_id)
        if action is not None:
            query = query.where(AuditLog.action == action)
        if resource_type is not None:
            query = query.where(AuditLog.resource_type == resource_type)
        return query

    async def logins_since(
        self, user_id: int, since: datetime
    ) -> list[tuple[datetime, AuditOutcome]]:
        """Login attempts on an account since a time, oldest first."""
        rows = await self.session.execute(
            select(AuditLog.occurred_at, AuditLog.outcome)
            .where(
                AuditLog.resource_type == "user",
                AuditLog.resource_id == user_id,
                AuditLog.occurred_at >= since,
                AuditLog.action == LOGIN_ACTION,
            )
            .order_by(AuditLog.occurred_at)
        )
        return [(occurred_at, outcome) for occurred_at, outcome in rows]

    async def delete_before(self, cutoff: datetime, *, batch: int) -> int:
        """Delete up to `batch` entries older than `cutoff`; returns how many went."""
        oldest = (
            select(AuditLog.id)
            .where(AuditLog.occurred_at < cutoff)
            .order_by(AuditLog.id)
            .limit(batch)
        )
        result = await self.session.execute(
            delete(AuditLog).where(AuditLog.id.in_(oldest.scalar_subquery()))
        )
        return int(getattr(result, "rowcount", 0) or 0)
