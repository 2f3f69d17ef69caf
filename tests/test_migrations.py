"""Migrations: up from an empty database, down to nothing and up again, on both
backends, and the models never drift from what the migrations build (`alembic check`);
no table hands out a deleted row's id again, and existing SQLite databases are rebuilt
that way with every row, index and key kept."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Integer, create_engine, inspect, text
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


# --- ids are never reused ---------------------------------------------------------------

BEFORE_IDS = "83716caa6f07"  # the last revision whose SQLite tables reuse deleted ids
IDS_NEVER_REUSED = "c1d2e3f4a5b6"  # the revision that rebuilt them with AUTOINCREMENT

# Tables whose ids the database generates: one integer key column of the table's own.
GENERATED = {
    table.name
    for table in Base.metadata.tables.values()
    if len(table.primary_key.columns) == 1
    and all(
        isinstance(column.type, Integer) and not column.foreign_keys
        for column in table.primary_key.columns
    )
}

# Made by later revisions, with AUTOINCREMENT from the start (the test at head checks them).
CREATED_LATER = {
    "availability_checks",
    "error_groups",
    "process_rollups",
    "request_rollups",
    "alert_rules",
    "alerts",
    "alert_events",
    "escalation_policies",
    "notification_channels",
    "notification_deliveries",
    "notifications",
    "webhook_endpoints",
    "webhook_messages",
    "webhook_deliveries",
    "webhook_attempts",
    "calendar_feeds",
}
GENERATED_AT_IDS_NEVER_REUSED = GENERATED - CREATED_LATER


def _never_reusing(connection: Connection) -> set[str]:
    """Tables whose ids come from a counter that never goes back: SQLite's AUTOINCREMENT,
    PostgreSQL's sequences."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
        )
        return {name for name, sql in rows if "AUTOINCREMENT" in sql}
    inspector = inspect(connection)
    keyed = {
        table: inspector.get_pk_constraint(table)["constrained_columns"]
        for table in _tables(connection)
    }
    return {
        table
        for table, columns in keyed.items()
        if len(columns) == 1
        and connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table, "column": columns[0]},
        ).scalar()
    }


async def test_no_table_hands_a_deleted_rows_id_to_a_new_row(empty_database: str) -> None:
    await migrate(empty_database)
    engine = create_async_engine(empty_database)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_never_reusing) == GENERATED
    finally:
        await engine.dispose()
    assert {"users", "assignments", "audit_logs"} <= GENERATED


# Every kind of row, each table's foreign keys pointing at real rows, in an order that
# satisfies them. Columns not named get a value of their type (`_fill`).
ROWS: list[tuple[str, dict[str, object]]] = [
    ("organizations", {}),
    ("organizations", {}),
    ("teams", {}),
    ("users", {"role": "admin"}),
    ("users", {"role": "viewer"}),
    ("users", {"role": "viewer"}),
    ("analysts", {"user_id": 1}),
    ("analysts", {}),
    ("holidays", {}),
    ("shift_types", {}),
    ("absences", {"kind": "vacation", "status": "approved", "requested_by_user_id": 2}),
    ("assignments", {"source": "manual"}),
    ("assignments", {"source": "generated", "analyst_id": 2}),
    ("blackout_dates", {"team_id": 1}),
    ("audit_logs", {"outcome": "success", "actor_user_id": 1}),
    # Failed logins of user 3, who is deleted before the upgrade.
    ("audit_logs", {"outcome": "failure", "resource_type": "user", "resource_id": 3}),
    ("api_keys", {"role": "viewer", "created_by_user_id": 1}),
    ("generation_jobs", {"status": "applied"}),
    ("coverage_requirements", {"weekday": "mon"}),
    ("shift_requests", {"kind": "on", "status": "requested"}),
    # Assignment 5 was booked and deleted long ago; the outbox still names it.
    ("outbox_events", {"resource_type": "schedule", "resource_id": 5}),
    ("outbox_consumptions", {"event_id": 1, "status": "done"}),
    ("token_families", {"id": "family-1"}),
    ("refresh_tokens", {"family_id": "family-1"}),
    ("team_schedule_settings", {"team_id": 1}),
]

SAMPLE = {  # by declared type; every integer is 1, so references find row 1
    "INTEGER": 1,
    "BOOLEAN": 0,
    "DATE": "2030-03-04",
    "TIME": "07:00:00.000000",
    "DATETIME": "2030-03-01 12:00:00.000000",
    "JSON": "{}",
}


def _fill(connection: sqlite3.Connection, table: str, given: dict[str, object]) -> None:
    row = dict(given)
    for _, name, type_, not_null, default, key in connection.execute(f"PRAGMA table_info({table})"):
        if name in row or not not_null or default is not None or (key and type_ == "INTEGER"):
            continue
        kind = type_.split("(")[0]
        row[name] = SAMPLE.get(kind, f"{table}-{name}-{len(row)}-{uuid.uuid4().hex[:8]}")
    names = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join("?" for _ in row)
    connection.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))


@pytest.fixture
async def old_database(tmp_path: Path) -> tuple[Path, str]:
    """A SQLite database of the revision before AUTOINCREMENT, with rows in every table
    and the highest user deleted."""
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url, BEFORE_IDS)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA foreign_keys=ON")
        for table, given in ROWS:
            _fill(connection, table, given)
        connection.execute("DELETE FROM users WHERE id = 3")
        connection.commit()
    return path, url


def _snapshot(path: Path) -> dict[str, dict[str, Any]]:
    """Each table's rows and everything a rebuild could lose: columns, indexes, unique,
    check and foreign key constraints, triggers."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return {table: _table_snapshot(connection, table) for table in _tables(connection)}
    finally:
        engine.dispose()


def _table_snapshot(connection: Connection, table: str) -> dict[str, Any]:
    def rows(sql: str, *parameters: object) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in connection.exec_driver_sql(sql, parameters)]

    def definition(name: str) -> object:
        return rows("SELECT sql FROM sqlite_master WHERE name = ?", name)

    inspector = inspect(connection)
    indexes = [
        (
            # Automatic indexes (of UNIQUE constraints) are numbered in constraint order.
            name if origin == "c" else origin,
            unique,
            partial,
            definition(name),
            rows(f'PRAGMA index_xinfo("{name}")'),
        )
        for _, name, unique, origin, partial in rows(f"PRAGMA index_list({table})")
    ]
    return {
        "rows": rows(f"SELECT * FROM {table} ORDER BY 1"),
        "columns": rows(f"PRAGMA table_xinfo({table})"),
        "indexes": sorted(indexes, key=repr),
        # Without each key's number, which follows the order the constraints are written.
        "foreign_keys": sorted(row[1:] for row in rows(f"PRAGMA foreign_key_list({table})")),
        "unique": sorted(inspector.get_unique_constraints(table), key=repr),
        "checks": sorted(inspector.get_check_constraints(table), key=repr),
        "triggers": rows(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", table
        ),
    }


def _schema_of(path: Path) -> tuple[set[str], list[tuple[Any, ...]]]:
    """The tables with AUTOINCREMENT, and any broken foreign keys."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            broken = [tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")]
            return _never_reusing(connection), broken
    finally:
        engine.dispose()


def _next_ids(path: Path) -> dict[str, tuple[int, int]]:
    """Per table with generated ids: its highest id, and the id a copy of that row gets
    once the row is deleted. Nothing is kept."""
    found = {}
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("BEGIN")
        for table in sorted(GENERATED_AT_IDS_NEVER_REUSED):
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            copied = ", ".join(f'"{c}"' for c in columns if c != "id")
            [(highest,)] = connection.execute(f"SELECT max(id) FROM {table}")
            connection.execute(
                f"CREATE TEMP TABLE kept AS SELECT * FROM {table} WHERE id = ?", (highest,)
            )
            connection.execute(f"DELETE FROM {table} WHERE id = ?", (highest,))
            inserted = connection.execute(
                f"INSERT INTO {table} ({copied}) SELECT {copied} FROM kept"
            ).lastrowid
            connection.execute("DROP TABLE kept")
            assert inserted is not None
            found[table] = (highest, inserted)
        connection.execute("ROLLBACK")
    return found


async def test_upgrading_sqlite_keeps_every_row_index_and_key_and_retires_deleted_ids(
    old_database: tuple[Path, str],
) -> None:
    path, url = old_database
    before = _snapshot(path)
    assert _next_ids(path)["users"] == (2, 2)  # the bug: the deleted id comes back

    await migrate(url, IDS_NEVER_REUSED)

    assert _snapshot(path) == before
    assert _schema_of(path) == (GENERATED_AT_IDS_NEVER_REUSED, [])
    next_ids = _next_ids(path)
    assert [table for table, (old, new) in next_ids.items() if new <= old] == []
    # Ids deleted before the upgrade that the audit trail or the outbox still names.
    assert next_ids["users"] == (2, 4)
    assert next_ids["assignments"] == (2, 6)
    with closing(sqlite3.connect(path)) as connection, pytest.raises(sqlite3.IntegrityError):
        connection.execute("UPDATE audit_logs SET action = 'forged'")


async def test_downgrading_sqlite_rebuilds_the_tables_as_they_were(
    old_database: tuple[Path, str],
) -> None:
    path, url = old_database
    before = _snapshot(path)
    await migrate(url, IDS_NEVER_REUSED)
    await asyncio.to_thread(command.downgrade, alembic_config(url), BEFORE_IDS)

    assert _snapshot(path) == before
    assert _schema_of(path) == (set(), [])
    assert _next_ids(path)["organizations"] == (2, 2)


async def test_an_upgrade_that_would_break_a_foreign_key_changes_nothing(
    old_database: tuple[Path, str],
) -> None:
    path, url = old_database
    with closing(sqlite3.connect(path)) as connection:  # foreign keys off: a broken row
        _fill(connection, "teams", {"org_id": 99})
        connection.commit()
    before = _snapshot(path)

    with pytest.raises(RuntimeError, match="broken foreign key"):
        await migrate(url)

    assert _snapshot(path) == before
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (BEFORE_IDS,)
        ]


# --- skills and runs ----------------------------------------------------------------------

BEFORE_SKILLS = "c14b2c44d1a3"


async def test_skills_and_runs_leave_existing_rows_unlimited_and_go_back_without_a_trace(
    old_database: tuple[Path, str],
) -> None:
    path, url = old_database
    await migrate(url, BEFORE_SKILLS)
    before, keys = _snapshot(path), _schema_of(path)

    await migrate(url)
    with closing(sqlite3.connect(path)) as connection:
        runs = connection.execute("SELECT min_consecutive, max_consecutive FROM shift_types")
        assert runs.fetchall() == [(None, None)]
        assert connection.execute("SELECT skills FROM coverage_requirements").fetchall() == [
            ("[]",)
        ]
        assert connection.execute("SELECT skill FROM assignments").fetchall() == [(None,), (None,)]

    assert _schema_of(path) == keys

    await asyncio.to_thread(command.downgrade, alembic_config(url), BEFORE_SKILLS)
    assert _snapshot(path) == before
    assert _schema_of(path) == keys
