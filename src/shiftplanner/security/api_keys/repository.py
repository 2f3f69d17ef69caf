from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import ApiKey


class ApiKeyRepository(OrgScopedRepository[ApiKey]):
    model = ApiKey

    async def get_by_prefix(self, prefix: str) -> ApiKey | None:
        """Across organizations: the prefix names one key in the whole service."""
        result = await self.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix))
        return result.one_or_none()

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
