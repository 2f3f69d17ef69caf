from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import AuditLog, AuditOutcome, User

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

    async def signed_in_from(self, email: str, client_ip: str, since: datetime) -> bool:
        """Whether the account with this email signed in successfully from this address
        since a time."""
        account = select(User.id).where(User.email == email.lower()).scalar_subquery()
        found = await self.session.scalar(
            select(AuditLog.id)
            .where(
                AuditLog.resource_type == "user",
                AuditLog.resource_id == account,
                AuditLog.occurred_at >= since,
                AuditLog.action == LOGIN_ACTION,
                AuditLog.outcome == AuditOutcome.SUCCESS,
                AuditLog.client_ip == client_ip,
            )
            .limit(1)
        )
        return found is not None

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
