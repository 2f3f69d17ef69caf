"""The `shiftplanner` command: serve, migrate, seed demo data, manage users."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from alembic import command
from alembic.config import Config
from pydantic import ValidationError
from rich.console import Console
from rich.live import Live
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from shiftplanner import demo
from shiftplanner.bootstrap import AdminLogin, ensure_admin
from shiftplanner.config import Settings, get_settings
from shiftplanner.db import session_scope
from shiftplanner.errors import ShiftPlannerError
from shiftplanner.logging import configure_logging
from shiftplanner.models import Organization, Role
from shiftplanner.runtime import Runtime
from shiftplanner.scheduling import DEFAULT_WORKERS
from shiftplanner.scheduling import solution as outcome
from shiftplanner.scheduling.problem import Problem
from shiftplanner.scheduling.solve import SolveOptions
from shiftplanner.scheduling.solve import solve as solve_problem
from shiftplanner.security.actor import Actor
from shiftplanner.security.audit import service as audit_service
from shiftplanner.users import schemas as user_schemas
from shiftplanner.users import service as user_service

app = typer.Typer(help="ShiftPlanner: shift scheduling for analyst teams.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
console = Console()


# The project root of the source checkout the package is installed from (editable).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _alembic_config(settings: Settings) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = settings.database_url
    return config


def _show_admin(login: AdminLogin | None) -> None:
    if login is None:
        return
    table = Table(title="Admin login (platform operator)", show_header=False)
    table.add_row("email", login.email)
    if login.generated_password:
        table.add_row(
            "password", f"[bold]{login.generated_password}[/bold]  (shown once; change it)"
        )
    else:
        table.add_row("password", "from SHIFTPLANNER_ADMIN_PASSWORD")
    console.print(table)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Defaults to SHIFTPLANNER_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Defaults to SHIFTPLANNER_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the API (creating the first admin on an empty database)."""
    settings = get_settings()
    configure_logging(settings)
    _show_admin(asyncio.run(_bootstrap(settings)))
    console.print(
        f"Serving on http://{host or settings.host}:{port or settings.port}  (API docs at /docs)"
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
        log_level=settings.log_level.lower(),
        proxy_headers=False,
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
    command.upgrade(_alembic_config(settings), revision)
    console.print(f"Database at revision {revision}.")


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
        created = ", ".join(f"{n} {kind}" for kind, n in result.created.items()) or "nothing new"
        console.print(
            f"Demo organization [bold]{result.organization.name}[/bold] (slug {demo.DEMO_SLUG}): {created}."
        )
        _show_admin(result.admin)
    finally:
        await runtime.close()


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
    settings = get_settings()
    configure_logging(settings)
    try:
        asyncio.run(_create_user(settings, email, org, role, full_name, superuser, password))
    except ShiftPlannerError as error:
        console.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(code=1) from None


async def _create_user(
    settings: Settings,
    email: str,
    slug: str,
    role: Role,
    full_name: str,
    superuser: bool,
    password: str,
) -> None:
    runtime = Runtime.build(settings)
    try:
        async with session_scope(runtime.session_factory) as session:
            org = await session.scalar(select(Organization).where(Organization.slug == slug))
            if org is None:
                console.print(f"[red]No organization with the slug {slug!r}.[/red]")
                raise typer.Exit(code=1)
            data = user_schemas.UserCreate.model_validate(
                {"email": email, "role": role, "full_name": full_name, "password": password}
            )
            user = await user_service.create_user(
                session, Actor.system(org.id), runtime.passwords, data
            )
            user.is_superuser = superuser
        console.print(f"Created {user.email} ({user.role.value}) in {org.name}.")
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
    console.print(f"Deleted {deleted} audit entries older than {days} days.")


async def _purge_audit(settings: Settings, days: int) -> int:
    runtime = Runtime.build(settings)
    try:
        with console.status(f"Deleting audit entries older than {days} days"):
            return await audit_service.purge(runtime.session_factory, retention_days=days)
    finally:
        await runtime.close()


LIVE_ROWS = 12
DEFAULT_EXPLAIN_SECONDS = SolveOptions().explain_seconds


@app.command()
def solve(
    problem_file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="A problem JSON, e.g. from GET /api/schedules/generate/{job_id}/problem.",
        ),
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds the solver may search.")
    ] = 60.0,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="CP-SAT search threads.")
    ] = DEFAULT_WORKERS,
    output: Annotated[
        Path | None, typer.Option("--output", dir_okay=False, help="Write the solution JSON here.")
    ] = None,
) -> None:
    """Solve a schedule generation problem, showing the objective, the proved bound and
    the gap as they improve; then the cost breakdown (or why no roster exists). Exits 1
    when no roster was found."""
    try:
        problem = Problem.model_validate_json(problem_file.read_bytes())
    except ValidationError as error:
        console.print(f"[red]{problem_file} is not a valid problem:[/red]\n{error}")
        raise typer.Exit(code=2) from None
    options = SolveOptions(
        time_limit_seconds=time_limit,
        workers=workers,
        explain_seconds=min(DEFAULT_EXPLAIN_SECONDS, time_limit),
    )
    solution = _solve_live(problem, options)
    if output is not None:
        output.write_text(solution.model_dump_json(indent=2))
    _show_solution(problem, solution)
    if output is not None:
        console.print(f"Solution written to {output}.")
    if solution.status not in (outcome.Status.OPTIMAL, outcome.Status.FEASIBLE):
        raise typer.Exit(code=1)


def _gap(objective: int, bound: int) -> str:
    return f"{(objective - bound) / objective:.1%}" if objective else "0.0%"


def _solve_live(problem: Problem, options: SolveOptions) -> outcome.Solution:
    points: list[outcome.Progress] = []
    lock = threading.Lock()
    started = time.monotonic()

    def record(point: outcome.Progress) -> None:
        # Called from the solver's threads.
        with lock:
            points.append(point)

    def render() -> Table:
        with lock:
            shown = points[-LIVE_ROWS:]
        elapsed = min(time.monotonic() - started, options.time_limit_seconds)
        table = Table(
            title=f"{problem.team or 'Problem'}: {problem.horizon_days} days, "
            f"{len(problem.analysts)} analysts, {len(problem.shift_types)} shift types",
            caption=f"{elapsed:.1f} s of at most {options.time_limit_seconds:g} s",
        )
        for name in ("seconds", "objective", "bound", "gap"):
            table.add_column(name, justify="right")
        for point in shown:
            table.add_row(
                f"{point.seconds:.2f}",
                str(point.objective),
                str(point.bound),
                _gap(point.objective, point.bound),
            )
        if not shown:
            table.add_row("…", "searching", "", "")
        return table

    with Live(get_renderable=render, console=console, refresh_per_second=4):
        return solve_problem(problem, options, on_progress=record)


def _show_solution(problem: Problem, solution: outcome.Solution) -> None:
    summary = Table(title="Solution", show_header=False)
    summary.add_row("status", f"[bold]{solution.status.value}[/bold]")
    if solution.objective is not None and solution.bound is not None:
        summary.add_row("objective", str(solution.objective))
        summary.add_row("bound", str(solution.bound))
        summary.add_row("gap", _gap(solution.objective, solution.bound))
        summary.add_row("assignments", str(len(solution.assignments)))
    summary.add_row("seconds", f"{solution.seconds:.2f}")
    if solution.seconds_to_best is not None:
        summary.add_row("best found after", f"{solution.seconds_to_best:.2f} s")
    console.print(summary)
    if solution.breakdown:
        breakdown = Table(title="Cost breakdown")
        for name in ("term", "count", "penalty"):
            breakdown.add_column(name, justify="left" if name == "term" else "right")
        for term, cost in solution.breakdown.items():
            breakdown.add_row(term.value, str(cost.count), str(cost.penalty))
        console.print(breakdown)
    if solution.explanation:
        analysts = {a.id: a.name or str(a.id) for a in problem.analysts}
        shifts = {s.id: s.name or str(s.id) for s in problem.shift_types}
        explanation = Table(
            title="No roster keeps every hard rule; the fewest breaks that would allow one"
        )
        for name in ("rule", "analyst", "shift type", "days", "amount", "why"):
            explanation.add_column(name)
        for violation in solution.explanation:
            explanation.add_row(
                violation.rule,
                analysts.get(violation.analyst_id, "") if violation.analyst_id else "",
                shifts.get(violation.shift_type_id, "") if violation.shift_type_id else "",
                ", ".join(d.isoformat() for d in violation.dates),
                str(violation.amount),
                violation.message,
            )
        console.print(explanation)


if __name__ == "__main__":
    app()
