"""One leader across processes and replicas for jobs that must run once (merging the
rollups, evaluating alert rules), each under a name of its own.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a connection
of its own, checked out of the engine's pool for as long as this process leads. The lock
lives exactly as long as that database session: if the process dies or its connection
breaks, PostgreSQL releases it and whoever asks next becomes the leader. A process that
is not the leader tries again each time it asks (its loop's interval).

SQLite is embedded, one process: that process always leads."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shiftplanner.logging import get_logger

log = get_logger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a name ("shiftplanner:rollups")."""
    digest = hashlib.blake2b(f"shiftplanner:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class LeaderLock:
    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.name = name
        self.key = lock_key(name)
        self._engine = engine
        self._embedded = engine.dialect.name != "postgresql"
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        """Whether this process led the last time it asked (no database round trip)."""
        return self._embedded or self._connection is not None

    async def is_leader(self) -> bool:
        """Whether this process leads now: keeps the lock if it has it (after checking
        that its connection still lives), otherwise tries once to take it."""
        if self._embedded:
            return True
        if self._connection is not None:
            try:
                await self._connection.execute(select(1))
            except Exception:
                log.warning("leader_connection_lost", lock=self.name)
                await self._drop()
            else:
                return True
        return await self._try_acquire()

    async def close(self) -> None:
        """Give the lead up (at shutdown): another process takes it at its next try."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.execute(select(func.pg_advisory_unlock(self.key)))
            await connection.close()
        except Exception:
            # The session may be gone already (and the lock with it); make sure the
            # connection is never handed out again still holding the lock.
            await _invalidate(connection)

    async def _try_acquire(self) -> bool:
        try:
            connection = await self._engine.connect()
        except Exception:
            log.warning("leader_connect_failed", lock=self.name, exc_info=True)
            return False
        try:
            # Autocommit: a session lock needs no transaction, and an idle open
            # transaction held for hours would hold back vacuum.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            acquired = bool(
                (await connection.execute(select(func.pg_try_advisory_lock(self.key)))).scalar()
            )
        except Exception:
            log.warning("leader_try_failed", lock=self.name, exc_info=True)
            await _invalidate(connection)
            return False
        if not acquired:
            await connection.close()
            return False
        self._connection = connection
        log.info("leader_acquired", lock=self.name)
        return True

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await _invalidate(connection)


async def _invalidate(connection: AsyncConnection) -> None:
    try:
        await connection.invalidate()
        await connection.close()
    except Exception:
        log.debug("leader_connection_close_failed", exc_info=True)
