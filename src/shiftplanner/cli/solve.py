"""`shiftplanner solve problem.json`: solve a generation problem from a bug report again at
a terminal, showing the search as it improves, then the solution."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.live import Live
from rich.table import Table

from shiftplanner.cli.output import console, error_console
from shiftplanner.kit.text import counted
from shiftplanner.scheduling import DEFAULT_WORKERS
from shiftplanner.scheduling import solution as outcome
from shiftplanner.scheduling.problem import Problem

if TYPE_CHECKING:
    from shiftplanner.scheduling.solve import SolveOptions

LIVE_ROWS = 12


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
    """Solve a schedule generation problem file.

    Shows the objective, the proved bound and the gap as they improve, then the cost
    breakdown (or why no roster exists). Exits 1 when no roster was found, 2 when the file
    is not a valid problem."""
    try:
        problem = Problem.model_validate_json(problem_file.read_bytes())
    except ValidationError as error:
        errors = field_errors(error)
        error_console.print(
            f"{problem_file} is not a valid problem ({counted(len(errors), 'error')}):",
            markup=False,
            soft_wrap=True,
        )
        for line in errors:
            error_console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    # Said before OR-Tools loads (a good part of a second), so the command answers at once.
    console.print(
        f"{problem.team or 'Problem'}: {counted(problem.horizon_days, 'day')}, "
        f"{counted(len(problem.analysts), 'analyst')}, "
        f"{counted(len(problem.shift_types), 'shift type')}; searching for at most "
        f"{time_limit:g} s with {counted(workers, 'worker')}",
        markup=False,
        highlight=False,
    )
    # Loaded by this command only: every other command (`serve` above all) runs without
    # OR-Tools and the pandas it brings, about 90 MB.
    from shiftplanner.scheduling.solve import SolveOptions

    options = SolveOptions(
        time_limit_seconds=time_limit,
        workers=workers,
        explain_seconds=min(SolveOptions().explain_seconds, time_limit),
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
    if console.is_terminal:
        return _solve_with_table(problem, options)
    return _solve_printing_lines(problem, options)


def _solve_printing_lines(problem: Problem, options: SolveOptions) -> outcome.Solution:
    """Piped or redirected: one plain line per improvement, written as it comes (a live
    table would only be printed once, at the end)."""

    def record(point: outcome.Progress) -> None:
        # From the solver's threads; the console writes (and flushes) one print at a time.
        console.print(
            f"{point.seconds:8.2f} s  objective {point.objective}  bound {point.bound}  "
            f"gap {_gap(point.objective, point.bound)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    from shiftplanner.scheduling.solve import solve as solve_problem

    return solve_problem(problem, options, on_progress=record)


def _solve_with_table(problem: Problem, options: SolveOptions) -> outcome.Solution:
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
        table = Table(caption=f"{elapsed:.1f} s of at most {options.time_limit_seconds:g} s")
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
        from shiftplanner.scheduling.solve import solve as solve_problem

        return solve_problem(problem, options, on_progress=record)


def field_errors(error: ValidationError) -> list[str]:
    """One line per error: where in the file (`analysts[0].contract.max_weekends`, or the
    whole problem) and what is wrong."""
    lines = []
    for item in error.errors(include_url=False):
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in item["loc"]
        ).lstrip(".")
        lines.append(f"{where or '(the problem as a whole)'}: {item['msg']}")
    return lines


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
        _show_explanation(problem, solution.explanation)


def _show_explanation(problem: Problem, explanation: list[outcome.Violation]) -> None:
    """A list, not a table: six columns of it wrap into unreadable slivers on a narrow
    terminal or a mail."""
    analysts = {a.id: a.name or f"analyst {a.id}" for a in problem.analysts}
    shifts = {s.id: s.name or f"shift type {s.id}" for s in problem.shift_types}
    console.print(
        "No roster keeps every hard rule; the fewest breaks that would allow one:", style="bold"
    )
    for violation in explanation:
        where = [
            analysts.get(violation.analyst_id, "") if violation.analyst_id else "",
            shifts.get(violation.shift_type_id, "") if violation.shift_type_id else "",
            ", ".join(d.isoformat() for d in violation.dates),
            f"amount {violation.amount}",
        ]
        console.print(
            f"- {violation.rule}: " + ", ".join(part for part in where if part),
            markup=False,
            highlight=False,
        )
        console.print(f"  {violation.message}", markup=False, highlight=False)
