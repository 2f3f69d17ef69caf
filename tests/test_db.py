"""db.lock_rows: writers of the same rows one after another, on both backends; on SQLite
through the process's write gate, in the order they came, and the gate always handed on
(commit, rollback, a session closed mid-transaction, a failed commit)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shiftplanner.db import HOLDS_GATE, WriteGate, _write_gates, lock_rows
from shiftplanner.models import Analyst
from shiftplanner.runtime import Runtime
from tests.factories import Tenant


async def _writer(
    runtime: Runtime, analyst_id: int, name: str, order: list[str], hold: float
) -> None:
    async with runtime.session_factory() as session:
        await lock_rows(session, Analyst.id, [analyst_id])
        order.append(f"{name} in")
        await asyncio.sleep(hold)
        await session.execute(update(Analyst).where(Analyst.id == analyst_id).values(name=name))
        order.append(f"{name} out")
        await session.commit()


async def test_writers_of_the_same_rows_take_turns(runtime: Runtime, tenant: Tenant) -> None:
    analyst_id = tenant.analysts[0].id
    order: list[str] = []
    await asyncio.gather(*(_writer(runtime, analyst_id, f"w{n}", order, 0.05) for n in range(4)))
    # Each writer's turn ends before the next one's begins.
    assert len(order) == 8
    for turn in range(4):
        came_in, went_out = order[2 * turn], order[2 * turn + 1]
        assert came_in.endswith(" in")
        assert went_out == came_in.replace(" in", " out")


# The gate is SQLite's: PostgreSQL's writers wait for each other's row locks.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def _gate(runtime: Runtime) -> WriteGate:
    gate = _write_gates.get(runtime.engine.sync_engine)
    assert gate is not None
    return gate


def test_only_sqlite_has_a_write_gate(runtime: Runtime, backend: str) -> None:
    has_gate = runtime.engine.sync_engine in _write_gates
    assert has_gate is (backend == "sqlite")


async def _locked_session(runtime: Runtime, analyst_id: int) -> AsyncSession:
    session = runtime.session_factory()
    await lock_rows(session, Analyst.id, [analyst_id])
    assert HOLDS_GATE in session.info
    return session


async def _free(gate: WriteGate) -> bool:
    """Whether another task would get the gate at once."""

    async def enter_and_leave() -> None:
        assert await gate.enter()
        gate.leave()

    try:
        await asyncio.wait_for(asyncio.create_task(enter_and_leave()), timeout=1)
    except TimeoutError:
        return False
    return True


@SQLITE_ONLY
async def test_the_gate_is_handed_on_however_the_transaction_ends(
    runtime: Runtime, tenant: Tenant, backend: str
) -> None:
    gate = _gate(runtime)
    analyst_id = tenant.analysts[0].id

    session = await _locked_session(runtime, analyst_id)
    assert not await _free(gate)
    await session.commit()
    assert await _free(gate)

    session = await _locked_session(runtime, analyst_id)
    await session.rollback()
    assert await _free(gate)

    session = await _locked_session(runtime, analyst_id)
    await session.close()  # mid-transaction: rolled back
    assert await _free(gate)

    session = await _locked_session(runtime, analyst_id)
    session.add(Analyst(org_id=tenant.org.id, team_id=tenant.team.id, name=None))
    with pytest.raises(IntegrityError, match="NOT NULL"):
        await session.commit()
    await session.close()
    assert await _free(gate)


@SQLITE_ONLY
async def test_a_transaction_that_has_written_does_not_queue_behind_one_waiting_for_it(
    runtime: Runtime, tenant: Tenant, backend: str
) -> None:
    gate = _gate(runtime)
    analyst_id = tenant.analysts[0].id
    async with runtime.session_factory() as session:
        # Written first: it holds SQLite's lock, so waiting at the gate could deadlock.
        await session.execute(update(Analyst).where(Analyst.id == analyst_id).values(name="first"))
        holder = asyncio.create_task(gate.enter())  # another task holds the gate meanwhile
        assert await holder
        try:
            async with asyncio.timeout(2):
                await lock_rows(session, Analyst.id, [analyst_id])
            assert HOLDS_GATE not in session.info
        finally:
            gate.leave()
        await session.commit()


@SQLITE_ONLY
async def test_the_task_holding_the_gate_is_never_made_to_wait_for_itself(
    runtime: Runtime, tenant: Tenant, backend: str
) -> None:
    gate = _gate(runtime)
    first = await _locked_session(runtime, tenant.analysts[0].id)
    try:
        async with asyncio.timeout(1):
            assert await gate.enter() is False  # a second session of this task: no turn
    finally:
        await first.close()
    assert await _free(gate)
