"""The throttle's counts, read and written under a lock so that concurrent sign-ins of
one subject are judged one after the other."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.db import is_postgresql
from shiftplanner.models import LoginThrottle
from shiftplanner.security.login_throttle.rules import Count


class LoginThrottleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def locked(self, keys: Collection[str], now: datetime) -> dict[str, Count]:
        """The subjects' counts, locked until the transaction ends: PostgreSQL locks
        their rows (in key order, so two sign-ins cannot deadlock); on SQLite the first
        statement, a write, takes the database's write lock. Rows are created as needed
        (with no failures). Run it as the first statement of its transaction."""
        ordered = sorted(set(keys))
        fresh = [{"key": key, "failures": 0, "last_attempt_at": now} for key in ordered]
        insert = postgresql_insert if is_postgresql(self.session) else sqlite_insert
        await self.session.execute(
            insert(LoginThrottle).values(fresh).on_conflict_do_nothing(index_elements=["key"])
        )
        query = select(LoginThrottle).where(LoginThrottle.key.in_(ordered))
        if is_postgresql(self.session):
            query = query.order_by(LoginThrottle.key).with_for_update()
        rows = await self.session.scalars(query.execution_options(populate_existing=True))
        return {row.key: Count(row.failures, row.last_attempt_at) for row in rows}

    async def save(self, counts: Mapping[str, Count]) -> None:
        for key, count in counts.items():
            await self.session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(failures=count.failures, last_attempt_at=count.last_attempt_at)
                .execution_options(synchronize_session=False)
            )

    async def forget(self, keys: Collection[str]) -> None:
        """End the subjects' runs of failures. The rows stay, with none: a sign-in waiting
        on their lock then reads them anew and counts on them. Deleted, they left it (on
        PostgreSQL) no row to lock or update, and its failure went uncounted."""
        await self.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key.in_(keys))
            .values(failures=0)
            .execution_options(synchronize_session=False)
        )

    async def take_back(self, key: str) -> None:
        """One attempt counted as a failure turned out right: it no longer counts."""
        await self.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(
                failures=case((LoginThrottle.failures > 0, LoginThrottle.failures - 1), else_=0)
            )
            .execution_options(synchronize_session=False)
        )

    async def purge(self, before: datetime) -> int:
        """Delete the counts of subjects quiet since `before`; returns how many."""
        result = await self.session.execute(
            delete(LoginThrottle).where(LoginThrottle.last_attempt_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
