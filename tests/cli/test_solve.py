"""`shiftplanner solve problem.json`, in a process of its own, as someone with a problem
file from a bug report runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path

from shiftplanner.scheduling.checker import check
from shiftplanner.scheduling.problem import (
    AnalystSpec,
    Assignment,
    Coverage,
    Problem,
    ShiftTypeSpec,
)
from shiftplanner.scheduling.solution import Solution, Status
from tests.databases import ROOT
from tests.generation.conftest import MONDAY


def solve(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")}
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "shiftplanner.cli", "solve", *args],
        cwd=ROOT,
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def week(*, locked: list[Assignment] | None = None) -> Problem:
    return Problem(
        start=MONDAY,
        end=MONDAY + timedelta(days=6),
        team="CLI",
        shift_types=[
            ShiftTypeSpec(id=1, name="MORNING", start=time(7), minutes=480),
            ShiftTypeSpec(id=2, name="EVENING", start=time(15), minutes=480),
        ],
        analysts=[AnalystSpec(id=i, name=f"Analyst {i}") for i in (1, 2, 3)],
        coverage=[
            Coverage(date=MONDAY + timedelta(days=d), shift_type_id=s, required=1)
            for d in range(7)
            for s in (1, 2)
        ],
        locked=locked or [],
    )


def test_solve_shows_the_search_and_writes_the_solution(tmp_path: Path) -> None:
    problem = week()
    source, target = tmp_path / "problem.json", tmp_path / "solution.json"
    source.write_text(problem.model_dump_json())

    result = solve(str(source), "--time-limit", "5", "--workers", "2", "--output", str(target))

    assert result.returncode == 0, result.stdout + result.stderr
    for shown in ("objective", "bound", "gap", "Cost breakdown", "under_cover", "optimal"):
        assert shown in result.stdout
    solution = Solution.model_validate_json(target.read_text())
    assert solution.status is Status.OPTIMAL
    assert len(solution.assignments) == 14
    assert check(problem, solution.assignments).violations == []


def test_solve_explains_an_infeasible_problem(tmp_path: Path) -> None:
    # Analyst 1 locked on both shifts of one day: at most one shift a day.
    day = MONDAY + timedelta(days=2)
    locked = [Assignment(analyst_id=1, date=day, shift_type_id=s) for s in (1, 2)]
    source = tmp_path / "problem.json"
    source.write_text(week(locked=locked).model_dump_json())

    result = solve(str(source), "--time-limit", "3", "--workers", "2")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "infeasible" in result.stdout
    assert "No roster keeps every hard rule" in result.stdout
    assert "Analyst 1" in result.stdout


def test_solve_refuses_a_file_that_is_not_a_problem(tmp_path: Path) -> None:
    source = tmp_path / "problem.json"
    source.write_text('{"start": "2030-01-07"}')
    result = solve(str(source))
    assert result.returncode == 2
    assert "not a valid problem" in result.stdout
