"""What `shiftplanner db upgrade | downgrade | current` do: the database schema's
migrations (Alembic)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from shiftplanner.cli.output import console
from shiftplanner.config import Settings, get_settings
from shiftplanner.db import create_engine

# The project root of the source checkout the package is installed from (editable).
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _alembic_config(settings: Settings) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = settings.database_url
    return config


def upgrade(revision: str) -> None:
    settings = get_settings()
    config = _alembic_config(settings)
    before = _database_revisions(settings)
    command.upgrade(config, revision)
    after = _database_revisions(settings)
    script = ScriptDirectory.from_config(config)
    if before == after:
        console.print(
            f"The database is already at {_describe(script, after)}; nothing to migrate.",
            soft_wrap=True,
        )
    else:
        console.print(
            f"Migrated the database from {_describe(script, before)} "
            f"to {_describe(script, after)}.",
            soft_wrap=True,
        )


def _database_revisions(settings: Settings) -> tuple[str, ...]:
    """The revisions the database is at (none for an empty one)."""

    async def read() -> tuple[str, ...]:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: tuple(MigrationContext.configure(sync).get_current_heads())
                )
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _describe(script: ScriptDirectory, revisions: tuple[str, ...]) -> str:
    if not revisions:
        return "no revision (an empty database)"
    named = []
    for revision in revisions:
        found = script.get_revision(revision)
        title = (found.doc or "").strip() if found is not None else ""
        latest = " (the latest)" if revision in script.get_heads() else ""
        named.append(f"revision {revision} ({title}){latest}" if title else revision + latest)
    return ", ".join(named)


def downgrade(revision: str) -> None:
    command.downgrade(_alembic_config(get_settings()), revision)


def current() -> None:
    command.current(_alembic_config(get_settings()), verbose=True)
