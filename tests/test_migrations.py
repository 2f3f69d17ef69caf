"""Migrations: up from an empty database, down to nothing and up again, on both
backends, and the models never drift from what the migrations build (`alembic check`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
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


SECURITY_HARDENING = "d10b2c15d125"


async def test_keys_whose_creator_lost_their_power_are_revoked_on_upgrade(
    empty_database: str,
) -> None:
    config = alembic_config(empty_database)
    before = ScriptDirectory.from_config(config).get_revision(SECURITY_HARDENING).down_revision
    assert isinstance(before, str)
    await migrate(empty_database, before)
    engine = create_async_engine(empty_database)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    people = [
        (1, "admin", True),  # still vouches for its keys
        (2, "admin", False),  # disabled
        (3, "manager", True),  # demoted since
    ]
    keys = {"kept": 1, "disabled": 2, "demoted": 3, "orphan": None, "earlier": 1}
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO organizations (id, name, slug, timezone, min_rest_hours, "
                    "max_consecutive_days, created_at, updated_at) "
                    "VALUES (1, 'Org', 'org', 'UTC', 10, 6, :now, :now)"
                ),
                {"now": now},
            )
            for user_id, role, active in people:
                await connection.execute(
                    text(
                        "INSERT INTO users (id, org_id, email, full_name, password_hash, role, "
                        "is_active, is_superuser, created_at, updated_at) VALUES "
                        "(:id, 1, :email, '', 'x', :role, :active, false, :now, :now)"
                    ),
                    {
                        "id": user_id,
                        "email": f"u{user_id}@example.com",
                        "role": role,
                        "active": active,
                        "now": now,
                    },
                )
            for n, (name, creator) in enumerate(keys.items(), start=1):
                await connection.execute(
                    text(
                        "INSERT INTO api_keys (id, org_id, name, prefix, secret_hash, role, "
                        "created_by_user_id, revoked_at, created_at, updated_at) VALUES "
                        "(:id, 1, :name, :prefix, 'x', 'viewer', :creator, :revoked, :now, :now)"
                    ),
                    {
                        "id": n,
                        "name": name,
                        "prefix": f"p{n}",
                        "creator": creator,
                        "revoked": now if name == "earlier" else None,
                        "now": now,
                    },
                )
        await migrate(empty_database)
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT name, revoked_reason, revoked_at IS NOT NULL FROM api_keys")
            )
            outcome = {name: (reason, revoked) for name, reason, revoked in rows}
    finally:
        await engine.dispose()
    assert outcome == {
        "kept": (None, False),
        "disabled": ("creator_disabled", True),
        "demoted": ("creator_demoted", True),
        "orphan": ("creator_deleted", True),
        "earlier": (None, True),  # revoked before, left as it was
    }
