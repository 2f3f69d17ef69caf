"""The `shiftplanner` command: serve, migrate, seed demo data, manage users, purge the
audit trail, solve a problem file (`users` and `solve` have modules of their own)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from shiftplanner import demo
from shiftplanner.bootstrap import AdminLogin, ensure_admin
from shiftplanner.cli.output import console, show_admin, show_demo_accounts
from shiftplanner.cli.solve import solve
from shiftplanner.cli.users import users_app
from shiftplanner.config import Settings, get_settings
from shiftplanner.db import create_engine, session_scope
from shiftplanner.kit.text import counted
from shiftplanner.kit.urls import redact_url
from shiftplanner.logging import configure_logging
from shiftplanner.monitoring import prometheus
from shiftplanner.runtime import Runtime
from shiftplanner.security.audit import service as audit_service
from shiftplanner.web.pages import dist_dir
from shiftplanner.webhooks.deliveries import service as webhook_delivery_service

GRACEFUL_SHUTDOWN_SECONDS = 10

app = typer.Typer(help="ShiftPlanner: shift scheduling for analyst teams.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
webhooks_app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


# The project root of the source checkout the package is installed from (editable).
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _alembic_config(settings: Settings) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = settings.database_url
    return config


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Defaults to SHIFTPLANNER_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Defaults to SHIFTPLANNER_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the API (creating the first admin on an empty database)."""
    settings = get_settings()
    configure_logging(settings)
    if workers > 1 or settings.prometheus_multiproc_dir is not None:
        # Each worker counts in files there, and /metrics adds them up.
        prometheus.prepare_multiprocess_dir(
            settings.prometheus_multiproc_dir or settings.data_dir / "prometheus"
        )
    show_admin(asyncio.run(_bootstrap(settings)))
    docs = "  (API docs at /docs)" if settings.docs_visible else ""
    pages = "" if (dist_dir(settings) / "index.html").is_file() else " (pages not built: make run)"
    console.print(
        f"Serving on http://{host or settings.host}:{port or settings.port}{pages} with the "
        f"database {redact_url(settings.database_url)}{docs}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    uvicorn.run(
        "shiftplanner.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        # Not uvicorn's own log format: its lines go through ours (JSON in production).
        log_config=None,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
        # Requests still open this long after a stop are cancelled (live event streams
        # end at the stop itself: live.signals).
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


async def _bootstrap(settings: Settings) -> AdminLogin | None:
    runtime = Runtime.build(settings)
    try:
        async with session_scope(runtime.session_factory) as session:
            return await ensure_admin(session, settings, runtime.passwords)
    finally:
        await runtime.close()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: the latest)."""
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


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1, or base")]) -> None:
    """Revert migrations down to REVISION."""
    command.downgrade(_alembic_config(get_settings()), revision)


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision."""
    command.current(_alembic_config(get_settings()), verbose=True)


@app.command("demo")
def demo_command(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only seed a database without organizations.")
    ] = False,
) -> None:
    """Seed the demo organization (idempotent: running it again adds nothing twice)."""
    settings = get_settings()
    configure_logging(settings)
    asyncio.run(_seed_demo(settings, if_empty=if_empty))


async def _seed_demo(settings: Settings, *, if_empty: bool) -> None:
    runtime = Runtime.build(settings)
    try:
        if if_empty:
            async with runtime.session_factory() as session:
                if await demo.has_organizations(session):
                    console.print("The database already has data; not seeding the demo.")
                    return
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as bar:
            task = bar.add_task("Seeding the demo organization", total=None)

            def step(name: str) -> None:
                bar.update(task, description=f"Seeding: {name}")

            async with session_scope(runtime.session_factory) as session:
                result = await demo.seed(
                    session, settings, runtime.passwords, today=date.today(), progress=step
                )
        created = ", ".join(counted(n, kind) for kind, n in result.created.items()) or "nothing new"
        console.print(
            f"Demo organization [bold]{result.organization.name}[/bold] (slug {demo.DEMO_SLUG}): {created}."
        )
        show_admin(result.admin)
        show_demo_accounts(result.accounts)
    finally:
        await runtime.close()


@audit_app.command("purge")
def audit_purge(
    retention_days: Annotated[
        int | None,
        typer.Option(
            min=1, help="Keep this many days; defaults to SHIFTPLANNER_AUDIT_RETENTION_DAYS."
        ),
    ] = None,
) -> None:
    """Delete audit entries older than the retention period."""
    settings = get_settings()
    configure_logging(settings)
    days = retention_days or settings.audit_retention_days
    deleted = asyncio.run(_purge_audit(settings, days))
    console.print(
        f"Deleted {counted(deleted, 'audit entry', 'audit entries')} older than "
        f"{counted(days, 'day')}."
    )


async def _purge_audit(settings: Settings, days: int) -> int:
    runtime = Runtime.build(settings)
    try:
        with console.status(f"Deleting audit entries older than {counted(days, 'day')}"):
            return await audit_service.purge(runtime.session_factory, retention_days=days)
    finally:
        await runtime.close()


@webhooks_app.command("purge")
def webhooks_purge(
    retention_days: Annotated[
        int | None,
        typer.Option(
            min=1, help="Keep this many days; defaults to SHIFTPLANNER_WEBHOOK_RETENTION_DAYS."
        ),
    ] = None,
) -> None:
    """Delete webhook messages older than the retention period whose deliveries all
    finished, with their deliveries and attempts (pending ones are kept)."""
    settings = get_settings()
    configure_logging(settings)
    days = retention_days or settings.webhook_retention_days
    deleted = asyncio.run(_purge_webhooks(settings, days))
    console.print(
        f"Deleted {counted(deleted, 'webhook message')} older than {counted(days, 'day')}."
    )


async def _purge_webhooks(settings: Settings, days: int) -> int:
    runtime = Runtime.build(settings)
    try:
        with console.status(f"Deleting webhook messages older than {counted(days, 'day')}"):
            return await webhook_delivery_service.purge(
                runtime.session_factory, retention_days=days
            )
    finally:
        await runtime.close()


app.command()(solve)
