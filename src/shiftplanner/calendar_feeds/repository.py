from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select, update

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import CalendarFeed, DataVersion, User


@dataclass(frozen=True, slots=True)
class FoundFeed:
    feed: CalendarFeed
    creator: User | None
    # The version of the feed's organization's data ("epoch.version"), None before its
    # first change.
    data_version: str | None


class CalendarFeedRepository(OrgScopedRepository[CalendarFeed]):
    model = CalendarFeed

    def listed(self, org_id: int, *, created_by: int | None) -> Select[CalendarFeed]:
        """The organization's feeds, or only those one user created."""
        query = self.scoped(org_id)
        if created_by is not None:
            query = query.where(CalendarFeed.created_by_user_id == created_by)
        return query

    async def find_by_token_hash(self, token_hash: str) -> FoundFeed | None:
        """The feed whose token has this hash (in any organization: the token alone names
        it), with its creator and its organization's data version, in one round trip."""
        row = (
            await self.session.execute(
                select(CalendarFeed, User, DataVersion.epoch, DataVersion.version)
                .outerjoin(User, User.id == CalendarFeed.created_by_user_id)
                .outerjoin(DataVersion, DataVersion.org_id == CalendarFeed.org_id)
                .where(CalendarFeed.token_hash == token_hash)
            )
        ).one_or_none()
        if row is None:
            return None
        feed, creator, epoch, version = row
        return FoundFeed(feed, creator, None if epoch is None else f"{epoch}.{version}")

    async def count_live_created_by(self, org_id: int, user_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).where(
                CalendarFeed.org_id == org_id,
                CalendarFeed.created_by_user_id == user_id,
                CalendarFeed.revoked_at.is_(None),
            )
        )
        return int(count or 0)

    async def mark_fetched(self, feed_id: int, now: datetime, *, not_since: datetime) -> bool:
        """Record a fetch unless one was recorded after `not_since`. A plain UPDATE, not a
        change of the ORM object: a fetch is no change of the organization's data (its
        cached answers stay valid), and of concurrent fetches exactly one writes."""
        result = await self.session.execute(
            update(CalendarFeed)
            .where(
                CalendarFeed.id == feed_id,
                or_(
                    CalendarFeed.last_fetched_at.is_(None),
                    CalendarFeed.last_fetched_at < not_since,
                ),
            )
            # `updated_at` as it was: a fetch is no edit of the feed.
            .values(last_fetched_at=now, updated_at=CalendarFeed.updated_at)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1
