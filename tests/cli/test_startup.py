"""What the `shiftplanner` command loads before it does anything: `solve` and `--help`
start without the service (FastAPI, SQLAlchemy, Alembic, the app's runtime), which once
cost them seconds. Each check runs in a fresh interpreter, where nothing was imported
before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.test_solve import environment, week
from tests.databases import ROOT

SERVICE_MODULES = [
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "uvicorn",
    "shiftplanner.app",
    "shiftplanner.runtime",
    "shiftplanner.models",
    "shiftplanner.demo",
]
SOLVER = "ortools"


def run_command(*args: str) -> tuple[int, set[str]]:
    """`shiftplanner ARGS` run in a fresh interpreter: its exit code, and which of the
    service's modules and the solver's it had loaded by the end."""
    program = f"""
import json, sys
from shiftplanner.cli import app
code = 0
try:
    app({list(args)!r})
except SystemExit as stop:
    code = stop.code or 0
watched = {[*SERVICE_MODULES, SOLVER]!r}
print(json.dumps({{"code": code, "loaded": [m for m in watched if m in sys.modules]}}))
"""
    result = subprocess.run(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=environment(200),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    return report["code"], set(report["loaded"])


def test_solving_a_problem_loads_the_solver_and_none_of_the_service(tmp_path: Path) -> None:
    source = tmp_path / "problem.json"
    source.write_text(week().model_dump_json())

    code, loaded = run_command("solve", str(source), "--time-limit", "5", "--workers", "2")

    assert code == 0
    assert SOLVER in loaded
    assert loaded.isdisjoint(SERVICE_MODULES), loaded


def test_help_loads_neither_the_service_nor_the_solver() -> None:
    for args in (["--help"], ["solve", "--help"]):
        code, loaded = run_command(*args)

        assert code == 0
        assert not loaded, (args, loaded)
