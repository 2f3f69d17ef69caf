"""One leader across processes: on PostgreSQL two locks of one name on two engines,
exactly one leads; when it lets go, or its connection dies, the other leads at its next
try. Embedded SQLite has one process, which always leads."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shiftplanner.monitoring.leader import LeaderLock, lock_key


async def test_exactly_one_leads_and_the_lead_passes_on(database_url: str, backend: str) -> None:
    engines = [create_async_engine(database_url) for _ in range(3)]
    first, second = LeaderLock(engines[0], "test"), LeaderLock(engines[1], "test")
    other_job = LeaderLock(engines[1], "test-other-job")
    try:
        if backend == "sqlite":
            assert await first.is_leader()
            assert await second.is_leader()
            return
        assert await first.is_leader()
        assert not await second.is_leader()
        assert await first.is_leader()  # keeps it
        # Another name is another lock.
        assert await other_job.is_leader()

        await first.close()
        assert await second.is_leader()
        assert not await first.is_leader()

        # The leader's database session dies (a network cut, a crashed replica): the
        # lock goes with it and the other process takes over.
        async with engines[2].connect() as admin:
            # (It waits up to 5 s for the session to end.)
            killed = await admin.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND objid = :objid AND granted"
                ),
                {"objid": lock_key("test") & 0xFFFFFFFF},
            )
        assert killed == 1
        assert await first.is_leader()
        assert not await second.is_leader()
    finally:
        for lock in (first, second, other_job):
            await lock.close()
        for engine in engines:
            await engine.dispose()
