from __future__ import annotations

from sqlalchemy import select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import ApiKey


class ApiKeyRepository(OrgScopedRepository[ApiKey]):
    model = ApiKey

    async def get_by_prefix(self, prefix: str) -> ApiKey | None:
        """Across organizations: the prefix names one key in the whole service."""
        result = await self.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix))
        return result.one_or_none()
