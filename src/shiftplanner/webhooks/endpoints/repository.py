from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import WebhookEndpoint


class EndpointRepository(OrgScopedRepository[WebhookEndpoint]):
    model = WebhookEndpoint

    async def get_by_name(self, org_id: int, name: str) -> WebhookEndpoint | None:
        query = self.scoped(org_id).where(WebhookEndpoint.name == name)
        return (await self.session.scalars(query)).one_or_none()

    async def enabled(self, org_id: int) -> list[WebhookEndpoint]:
        query = (
            self.scoped(org_id)
            .where(WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookEndpoint.id)
        )
        return list((await self.session.scalars(query)).all())

    async def all_of(self, org_id: int) -> list[WebhookEndpoint]:
        query = self.scoped(org_id).order_by(WebhookEndpoint.id)
        return list((await self.session.scalars(query)).all())

    async def by_ids(self, ids: Iterable[int]) -> dict[int, WebhookEndpoint]:
        """Endpoints of any organization by id: for the sender, whose deliveries already
        name their own organization's endpoints."""
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(wanted))
            .execution_options(populate_existing=True)
        )
        return {row.id: row for row in rows}
