from __future__ import annotations

from sqlalchemy import Select, func, select

from shiftplanner.kit.repository import OrgScopedRepository
from shiftplanner.models import Role, User


class UserRepository(OrgScopedRepository[User]):
    model = User

    def filtered(self, org_id: int, *, role: Role | None, is_active: bool | None) -> Select[User]:
        query = self.scoped(org_id)
        if role is not None:
            query = query.where(User.role == role)
        if is_active is not None:
            query = query.where(User.is_active == is_active)
        return query

    async def get_by_email(self, email: str) -> User | None:
        """Across all organizations: an address has one account in the whole service."""
        result = await self.session.scalars(select(User).where(User.email == email.lower()))
        return result.one_or_none()

    async def count_active_admins(self, org_id: int) -> int:
        query = select(func.count()).where(
            User.org_id == org_id, User.role == Role.ADMIN, User.is_active.is_(True)
        )
        return int(await self.session.scalar(query) or 0)

    async def active_with_role(self, org_id: int, role: Role) -> list[User]:
        query = self.filtered(org_id, role=role, is_active=True).order_by(User.id)
        return list((await self.session.scalars(query)).all())

    async def any_user(self) -> bool:
        return await self.session.scalar(select(User.id).limit(1)) is not None

    async def organizations_with_operator(self) -> set[int]:
        query = select(User.org_id).where(User.is_superuser.is_(True), User.is_active.is_(True))
        return set(await self.session.scalars(query.distinct()))
