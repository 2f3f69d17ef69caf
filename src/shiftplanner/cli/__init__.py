"""The `shiftplanner` command: serve, migrate, seed demo data, manage users, purge the
audit trail, solve a problem file.

Typer builds every command's options from its signature on each run, whichever command
runs, so the signatures live here and import nothing heavy; each command imports the
module that does its work (`server`, `seed`, `migrations`, `users`, `purge`) only when it
runs. `shiftplanner solve` and `--help` so start without loading the service (FastAPI,
SQLAlchemy, Alembic: about 2 s). `solve` is light enough to keep its work with its
signature, and loads OR-Tools once the problem file is read."""

from __future__ import annotations

from typing import Annotated

import typer

from shiftplanner.cli.solve import solve
from shiftplanner.roles import Role

app = typer.Typer(help="ShiftPlanner: shift scheduling for analyst teams.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)
outbox_app = typer.Typer(help="The outbox of domain events.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(outbox_app, name="outbox")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Defaults to SHIFTPLANNER_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Defaults to SHIFTPLANNER_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the API (creating the first admin on an empty database)."""
    from shiftplanner.cli import server

    server.run(host=host, port=port, workers=workers)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from shiftplanner.cli import migrations

    migrations.upgrade(revision)


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1, or base")]) -> None:
    """Revert migrations down to REVISION."""
    from shiftplanner.cli import migrations

    migrations.downgrade(revision)


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision."""
    from shiftplanner.cli import migrations

    migrations.current()


@app.command("demo")
def demo_command(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only seed a database without organizations.")
    ] = False,
) -> None:
    """Seed the demo organization (idempotent: running it again adds nothing twice)."""
    from shiftplanner.cli import seed

    seed.run(if_empty=if_empty)


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument()],
    org: Annotated[str, typer.Option(help="Slug of the organization.")],
    role: Annotated[Role, typer.Option()] = Role.ADMIN,
    full_name: Annotated[str, typer.Option()] = "",
    superuser: Annotated[
        bool, typer.Option(help="Also make the account a platform operator.")
    ] = False,
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="Asked for when left out."
        ),
    ] = "",
) -> None:
    """Create a user account in an organization."""
    from shiftplanner.cli import users

    users.create(
        email=email,
        org=org,
        role=role,
        full_name=full_name,
        superuser=superuser,
        password=password,
    )


@users_app.command("reset-password")
def users_reset_password(
    email: Annotated[str, typer.Argument()],
    generate: Annotated[
        bool,
        typer.Option("--generate", help="Set a random password and print it (shown once)."),
    ] = False,
) -> None:
    """Give the account a new password and end its sign-ins.

    The password is asked for twice, or with --generate made up and printed once."""
    from shiftplanner.cli import users

    users.reset_password(email, generate=generate)


@users_app.command("disable")
def users_disable(email: Annotated[str, typer.Argument()]) -> None:
    """Disable the account: it can no longer sign in, and its sign-ins end at once."""
    from shiftplanner.cli import users

    users.disable(email)


@users_app.command("enable")
def users_enable(email: Annotated[str, typer.Argument()]) -> None:
    """Enable a disabled account again."""
    from shiftplanner.cli import users

    users.enable(email)


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
    from shiftplanner.cli import purge

    purge.audit(retention_days)


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
    from shiftplanner.cli import purge

    purge.webhooks(retention_days)


@outbox_app.command("purge")
def outbox_purge(
    retention_days: Annotated[
        int | None,
        typer.Option(
            min=1, help="Keep this many days; defaults to SHIFTPLANNER_OUTBOX_RETENTION_DAYS."
        ),
    ] = None,
) -> None:
    """Delete domain events older than the retention period that every consumer has
    handled (events still to dispatch are kept)."""
    from shiftplanner.cli import purge

    purge.outbox_events(retention_days)


app.command()(solve)
