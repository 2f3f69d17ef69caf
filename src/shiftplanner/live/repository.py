"""The outbox as the live streams read it: every organization's events in id order (the
hub's tail), and one organization's recent events after an id (a stream's replay)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import OutboxEvent


class LiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def newest_id(self) -> int:
        """The highest event id (0 for an empty outbox)."""
        newest = await self.session.scalar(select(func.max(OutboxEvent.id)))
        return int(newest or 0)

    async def exists(self, event_id: int) -> bool:
        found = await self.session.scalar(select(OutboxEvent.id).where(OutboxEvent.id == event_id))
        return found is not None

    async def after(self, event_id: int, limit: int) -> Sequence[OutboxEvent]:
        """Every organization's events after `event_id`, oldest first."""
        rows = await self.session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.id > event_id)
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
        return rows.all()

    async def among(self, ranges: Sequence[tuple[int, int]]) -> Sequence[OutboxEvent]:
        """The events whose ids lie in one of the (first, last) ranges, oldest first."""
        if not ranges:
            return []
        rows = await self.session.scalars(
            select(OutboxEvent)
            .where(or_(*(OutboxEvent.id.between(first, last) for first, last in ranges)))
            .order_by(OutboxEvent.id)
        )
        return rows.all()

    async def of_org_between(
        self, org_id: int, after: int, until: int, since: datetime, limit: int
    ) -> Sequence[OutboxEvent]:
        """The organization's events with `after` < id <= `until` that occurred since a
        time, oldest first, at most `limit`."""
        rows = await self.session.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.org_id == org_id,
                OutboxEvent.occurred_at >= since,
                OutboxEvent.id > after,
                OutboxEvent.id <= until,
            )
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
        return rows.all()

    async def org_has_older(self, org_id: int, after: int, until: int, before: datetime) -> bool:
        """Whether the organization has an event with `after` < id <= `until` that
        occurred before a time (one a replay from `after` would no longer send)."""
        found = await self.session.scalar(
            select(OutboxEvent.id)
            .where(
                OutboxEvent.org_id == org_id,
                OutboxEvent.occurred_at < before,
                OutboxEvent.id > after,
                OutboxEvent.id <= until,
            )
            .limit(1)
        )
        return found is not None
