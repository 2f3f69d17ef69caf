"""Alembic environment: runs migrations through the service's own async engine, against
the URL in `config.attributes["database_url"]` (set by the CLI and the tests) or else the
settings. Every run is one transaction, on SQLite too; there, foreign keys are checked once
before it commits rather than enforced statement by statement."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import JSON, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shiftplanner.config import get_settings
from shiftplanner.db import create_engine
from shiftplanner.models import Base
from shiftplanner.models.base import UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations stay independent of application code: UTCDateTime is stored as a plain
    # timezone-aware DateTime.
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, JSON) and "postgresql" in obj._variant_mapping:
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        # SQLite alters tables by copying them. A copy forgets AUTOINCREMENT: a batch that
        # rebuilds a table with an integer id passes table_kwargs={"sqlite_autoincrement":
        # True} (tests/test_migrations.py checks every table at head).
        render_as_batch=True,
        compare_type=True,
        # True on SQLite as well once BEGIN is ours (_for_sqlite_migrations): a failed
        # run leaves the database as it found it, half-copied tables included.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            _check_foreign_keys(connection)


def _for_sqlite_migrations(engine: AsyncEngine) -> None:
    """Batch mode alters a SQLite table by copying it, dropping the original and renaming
    the copy. With foreign keys enforced, that drop deletes (or refuses for) every row that
    refers to the table, and the pragma cannot change inside a transaction: so they are off
    from the moment the connection opens, and `_check_foreign_keys` judges the result.
    The driver's own transaction handling skips BEGIN before DDL, so SQLAlchemy's BEGIN
    replaces it."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"migrations left {len(broken)} broken foreign key(s), e.g. {table} row {rowid} "
            f"refers to a missing {parent} row; nothing was committed"
        )


async def run_async_migrations() -> None:
    settings = get_settings()
    url = config.attributes.get("database_url") or settings.database_url
    engine = create_engine(settings.model_copy(update={"database_url": url}))
    if engine.dialect.name == "sqlite":
        _for_sqlite_migrations(engine)
    async with engine.connect() as connection:
        await connection.run_sync(_configure)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run them online.")
run_migrations_online()
