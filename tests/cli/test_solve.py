"""`shiftplanner solve problem.json`, in a process of its own, as someone with a problem
file from a bug report runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time as clock
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
from tests.generation.conftest import MONDAY, hard_problem
from tests.subprocesses import COMMAND

PROGRESS_LINE = re.compile(r"^\s*\d+\.\d+ s  objective \d+  bound \d+  gap ")


def environment(columns: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")}
    return {**env, "COLUMNS": str(columns)}


def solve(*args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "shiftplanner.cli", "solve", *args],
        cwd=ROOT,
        env=environment(columns),
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


def test_solve_explains_an_infeasible_problem_readably_at_60_columns(tmp_path: Path) -> None:
    # Analyst 1 locked on both shifts of one day: at most one shift a day.
    day = MONDAY + timedelta(days=2)
    locked = [Assignment(analyst_id=1, date=day, shift_type_id=s) for s in (1, 2)]
    source = tmp_path / "problem.json"
    source.write_text(week(locked=locked).model_dump_json())

    result = solve(str(source), "--time-limit", "3", "--workers", "2", columns=60)

    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= 60 for line in lines), result.stdout
    assert "infeasible" in result.stdout
    assert "No roster keeps every hard rule" in result.stdout
    # Each break on whole lines, not wrapped into slivers of columns.
    assert f"- locked: Analyst 1, MORNING, {day.isoformat()}, amount 1" in lines, result.stdout
    assert any(line.strip().startswith("Analyst 1 is locked on MORNING") for line in lines)


def test_solve_piped_prints_each_improvement_as_it_comes(tmp_path: Path) -> None:
    source = tmp_path / "problem.json"
    source.write_text(hard_problem().model_dump_json())
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [*COMMAND, "solve", str(source), "--time-limit", "6", "--workers", "2"],
        cwd=ROOT,
        env=environment(60),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    arrivals = [(clock.monotonic(), line.rstrip("\n")) for line in process.stdout]
    ended = clock.monotonic()
    process.wait(timeout=30)
    progress = [(at, line) for at, line in arrivals if PROGRESS_LINE.match(line)]

    assert progress, [line for _, line in arrivals]
    first_at, first = progress[0]
    assert ended - first_at > 1.0, f"{first!r} came only when the search ended"
    assert "searching for" in arrivals[0][1]


def test_solve_lists_what_is_wrong_with_a_file_that_is_not_a_problem(tmp_path: Path) -> None:
    source = tmp_path / "problem.json"
    source.write_text('{"start": "2030-01-07", "end": "soon", "analysts": [{"id": "x"}]}')

    result = solve(str(source))

    assert result.returncode == 2
    errors = result.stderr.splitlines()
    assert errors[0] == f"{source} is not a valid problem (3 errors):"
    assert errors[1:] == [
        "  end: Input should be a valid date or datetime, input is too short",
        "  shift_types: Field required",
        "  analysts[0].id: Input should be a valid integer, unable to parse string as an integer",
    ]
    source.write_text("{not json")
    result = solve(str(source))
    assert result.returncode == 2
    assert result.stderr.splitlines()[1].startswith("  (the problem as a whole): Invalid JSON")
