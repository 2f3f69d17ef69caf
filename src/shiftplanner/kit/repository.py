"""The small base every tenant-owned table's repository builds on: every query it
starts is already scoped to one organization."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shiftplanner.kit.pagination import PageParams, paginate
from shiftplanner.models import Base

M = TypeVar("M", bound=Base)

# Every tenant-owned model has an integer `id`; Base itself does not declare one.
_row_id = attrgetter("id")


class OrgScopedRepository(Generic[M]):
    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def _column(cls, name: str) -> InstrumentedAttribute[Any]:
        column: InstrumentedAttribute[Any] = getattr(cls.model, name)
        return column

    def scoped(self, org_id: int) -> Select[M]:
        query: Select[M] = select(self.model).where(self._column("org_id") == org_id)
        return query

    async def get(self, org_id: int, id_: int) -> M | None:
        query = self.scoped(org_id).where(self._column("id") == id_)
        result: M | None = (await self.session.scalars(query)).one_or_none()
        return result

    async def get_many(
        self, org_id: int, ids: Iterable[int], *, refresh: bool = False
    ) -> dict[int, M]:
        """The rows with these ids that belong to the organization, by id. `refresh`
        re-reads rows the session already holds (after taking a lock)."""
        wanted = set(ids)
        if not wanted:
            return {}
        query = self.scoped(org_id).where(self._column("id").in_(wanted))
        if refresh:
            query = query.execution_options(populate_existing=True)
        rows = await self.session.scalars(query)
        return {_row_id(row): row for row in rows}

    async def page(
        self,
        query: Select[M],
        params: PageParams,
        keys: Sequence[InstrumentedAttribute[Any]] | None = None,
    ) -> tuple[list[M], str | None]:
        return await paginate(self.session, query, keys=keys or [self._column("id")], params=params)

    async def add(self, obj: M) -> M:
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def delete(self, obj: M) -> None:
        await self.session.delete(obj)
        await self.session.flush()
