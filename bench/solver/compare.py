"""The roster solver against a plain baseline, side by side in one run.

Instances come from `bench.solver.instances` with a fixed seed: a realistic team, the same
team understaffed, a large team and a long horizon. The baseline is the
textbook model (one constraint per banned succession, no redundant cuts) handed to
CP-SAT with its default parameters and 8 workers, no hint and no large-neighbourhood
search; ours is
`solve()` as the service runs it, and beside it the same without the column-generation
bound (bound.py), to show what that bound adds and what its thread costs the search.
Each runs at 10 s and at 60 s; every roster is re-checked by the independent checker (a
broken hard rule would fail the run). The broad suite, with INRC-II and a train/test
split, is `suite`."""

from __future__ import annotations

import os
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bench.solver.instances import STAFFING, generate
from shiftplanner.scheduling import checker
from shiftplanner.scheduling.problem import Problem
from shiftplanner.scheduling.solve import SolveOptions, solve

# name, analysts, days, shift types, staffing (demand over the contracts' shifts).
INSTANCES = [
    ("realistic team: 20 analysts, 28 days, 3 shift types", 20, 28, 3, STAFFING),
    # The same team asked for 5 % more than its contracts hold (its vacations make it
    # short): nearly everyone must work their most, and full coverage may not exist.
    ("understaffed team: the same at 105 % staffing", 20, 28, 3, 1.05),
    ("large team: 50 analysts, 28 days, 6 shift types", 50, 28, 6, STAFFING),
    ("long horizon: 20 analysts, 84 days, 3 shift types", 20, 84, 3, STAFFING),
]
SEED = 7
TIME_LIMITS = (10.0, 60.0)
MODELS = ("baseline", "ours, CP-SAT bound only", "ours")


@dataclass(frozen=True)
class Row:
    instance: str
    model: str
    seconds: float
    objective: int | None
    bound: int | None
    gap: float | None
    first: float | None
    best: float | None
    status: str


def run_one(name: str, problem: Problem, model: str, seconds: float) -> Row:
    options = SolveOptions(
        time_limit_seconds=seconds,
        plain=model == "baseline",
        column_bound=model == "ours",
    )
    solution = solve(problem, options)
    if solution.assignments:
        report = checker.check(problem, solution.assignments)
        if not report.feasible:
            raise AssertionError(
                f"{name} ({model}): the roster breaks {report.violations[0].message}"
            )
        if report.objective != solution.objective:
            raise AssertionError(
                f"{name} ({model}): objective {solution.objective} ≠ checker's {report.objective}"
            )
    return Row(
        instance=name,
        model=model,
        seconds=seconds,
        objective=solution.objective,
        bound=solution.bound,
        gap=solution.gap,
        first=solution.seconds_to_first,
        best=solution.seconds_to_best,
        status=solution.status.value,
    )


def run(console: Console) -> None:
    quick = os.environ.get("BENCH_QUICK") == "1"  # one instance, 10 s: a smoke run
    instances = INSTANCES[:1] if quick else INSTANCES
    limits = TIME_LIMITS[:1] if quick else TIME_LIMITS
    table = Table(
        title=f"Roster solver, baseline vs ours (seed {SEED}; gap = (objective - bound) / objective)"
    )
    for column in (
        "instance",
        "limit",
        "model",
        "status",
        "objective",
        "bound",
        "gap",
        "first s",
        "best s",
    ):
        table.add_column(
            column, justify="left" if column in ("instance", "model", "status") else "right"
        )
    with console.status("solving") as status:
        for name, analysts, days, shifts, staffing in instances:
            problem = generate(analysts, days, shifts, seed=SEED, staffing=staffing)
            for seconds in limits:
                for model in MODELS:
                    status.update(f"{name}: {model}, {seconds:.0f} s")
                    row = run_one(name, problem, model, seconds)
                    table.add_row(
                        row.instance,
                        f"{row.seconds:.0f} s",
                        row.model,
                        row.status,
                        str(row.objective),
                        str(row.bound),
                        "" if row.gap is None else f"{row.gap:.1%}",
                        "" if row.first is None else f"{row.first:.2f}",
                        "" if row.best is None else f"{row.best:.1f}",
                    )
    console.print(table)
