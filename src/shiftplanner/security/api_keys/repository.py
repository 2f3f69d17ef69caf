from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import ApiKey, DataVersion, User


class ApiKeyRepository(OrgScopedRepository[ApiKey]):
    model = ApiKey

    async def get_with_creator(self, prefix: str) -> tuple[ApiKey, User | None, str | None] | None:
        """The key with this prefix (the prefix names one key in the whole service, across
        organizations), the user who created it, and its organization's data version."""
        row = (
            await self.session.execute(
                select(ApiKey, User, DataVersion.epoch, DataVersion.version)
                .outerjoin(User, User.id == ApiKey.created_by_user_id)
                .outerjoin(DataVersion, DataVersion.org_id == ApiKey.org_id)
                .where(ApiKey.prefix == prefix)
            )
        ).one_or_none()
        if row is None:
            return None
        key, creator, epoch, version = row
        return key, creator, None if epoch is None else f"{epoch}.{version}"

    async def unrevoked_created_by(self, org_id: int, user_id: int) -> list[ApiKey]:
        query = self.scoped(org_id).where(
            ApiKey.created_by_user_id == user_id, ApiKey.revoked_at.is_(None)
        )
        return list((await self.session.scalars(query.order_by(ApiKey.id))).all())

    async def mark_used(self, key_id: int, now: datetime, *, not_since: datetime) -> bool:
        """Record a use unless one was recorded after `not_since`. One conditional UPDATE,
        so of several concurrent requests exactly one records (and audits) the use."""
        result = await self.session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < not_since),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1
