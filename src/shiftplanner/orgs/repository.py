from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.models import Organization


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def all(self) -> Select[Organization]:
        return select(Organization)

    def only(self, org_id: int) -> Select[Organization]:
        return select(Organization).where(Organization.id == org_id)

    async def get(self, org_id: int) -> Organization | None:
        return await self.session.get(Organization, org_id)

    async def get_by_slug(self, slug: str) -> Organization | None:
        result = await self.session.scalars(select(Organization).where(Organization.slug == slug))
        return result.one_or_none()

    async def first(self) -> Organization | None:
        result = await self.session.scalars(select(Organization).order_by(Organization.id).limit(1))
        return result.one_or_none()

    async def add(self, organization: Organization) -> Organization:
        self.session.add(organization)
        await self.session.flush()
        return organization

    async def ids(self) -> list[int]:
        return list(await self.session.scalars(select(Organization.id).order_by(Organization.id)))
