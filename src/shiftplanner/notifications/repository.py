from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.kit.pagination import PageParams, paginate
from shiftplanner.models import Notification, NotificationPreference


class FeedRepository:
    """One user's in-app feed: every query names the organization and the user."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _own(self, org_id: int, user_id: int) -> Select[Notification]:
        query: Select[Notification] = select(Notification).where(
            Notification.org_id == org_id, Notification.user_id == user_id
        )
        return query

    async def page(
        self, org_id: int, user_id: int, params: PageParams, *, unread: bool | None
    ) -> tuple[list[Notification], str | None]:
        query = self._own(org_id, user_id)
        if unread is True:
            query = query.where(Notification.read_at.is_(None))
        elif unread is False:
            query = query.where(Notification.read_at.is_not(None))
        return await paginate(
            self.session, query, keys=[Notification.id], params=params, descending=True
        )

    async def get(self, org_id: int, user_id: int, notification_id: int) -> Notification | None:
        query = self._own(org_id, user_id).where(Notification.id == notification_id)
        return (await self.session.scalars(query)).one_or_none()

    async def unread_count(self, org_id: int, user_id: int) -> int:
        query = select(func.count(Notification.id)).where(
            Notification.org_id == org_id,
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
        )
        return int((await self.session.execute(query)).scalar_one())

    async def mark_all_read(self, org_id: int, user_id: int, now: datetime) -> int:
        result = await self.session.execute(
            update(Notification)
            .where(
                Notification.org_id == org_id,
                Notification.user_id == user_id,
                Notification.read_at.is_(None),
            )
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def add(self, notification: Notification) -> Notification:
        self.session.add(notification)
        await self.session.flush()
        return notification


class PreferenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, org_id: int, user_id: int) -> NotificationPreference | None:
        preference = await self.session.get(NotificationPreference, user_id)
        return preference if preference is not None and preference.org_id == org_id else None

    async def emailed(self, org_id: int, user_ids: list[int]) -> set[int]:
        """Those of `user_ids` who want schedule changes by email too."""
        if not user_ids:
            return set()
        rows = await self.session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.org_id == org_id,
                NotificationPreference.user_id.in_(user_ids),
                NotificationPreference.email_schedule_changes.is_(True),
            )
        )
        return set(rows)
