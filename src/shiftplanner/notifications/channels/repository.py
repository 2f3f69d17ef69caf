from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import NotificationChannel


class ChannelRepository(OrgScopedRepository[NotificationChannel]):
    model = NotificationChannel

    async def get_by_name(self, org_id: int, name: str) -> NotificationChannel | None:
        query = self.scoped(org_id).where(NotificationChannel.name == name)
        return (await self.session.scalars(query)).one_or_none()

    async def enabled_among(self, org_id: int, ids: Iterable[int]) -> list[NotificationChannel]:
        query = (
            self.scoped(org_id)
            .where(NotificationChannel.id.in_(set(ids)), NotificationChannel.enabled.is_(True))
            .order_by(NotificationChannel.id)
        )
        return list((await self.session.scalars(query)).all())

    async def by_ids(self, ids: Iterable[int]) -> dict[int, NotificationChannel]:
        """Channels of any organization by id: for the delivery worker, whose deliveries
        already name their own organization's channels."""
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(NotificationChannel).where(NotificationChannel.id.in_(wanted))
        )
        return {row.id: row for row in rows}
