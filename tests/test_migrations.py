"""Migrations: up from an empty database, down to nothing and up again, on both
backends, and the models never drift from what the migrations build (`alembic check`)."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shiftplanner.models import Base
from tests.databases import alembic_config, migrate


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _drift(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _inspect(url: str) -> tuple[set[str], list[Any]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_tables), await connection.run_sync(_drift)
    finally:
        await engine.dispose()


async def test_migrations_go_up_down_and_up_again_without_drift(empty_database: str) -> None:
    await migrate(empty_database)
    tables, drift = await _inspect(empty_database)
    assert tables == set(Base.metadata.tables)
    assert drift == [], (
        "models and migrations differ: write a migration (alembic revision --autogenerate)"
    )

    await asyncio.to_thread(command.downgrade, alembic_config(empty_database), "base")
    tables, _ = await _inspect(empty_database)
    assert tables == set()

    await migrate(empty_database)
    tables, drift = await _inspect(empty_database)
    assert tables == set(Base.metadata.tables)
    assert drift == []
