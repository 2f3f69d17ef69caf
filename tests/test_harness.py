"""The harness itself: without PostgreSQL the PostgreSQL runs are skipped with a clear
message, and CI's SHIFTPLANNER_REQUIRE_SERVICES=1 turns that skip into a failure."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.databases import ROOT

# Nothing listens on port 1 of the loopback interface.
UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/test"


def run_suite_part(require: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIFTPLANNER_")}
    env["SHIFTPLANNER_TEST_POSTGRES_URL"] = UNREACHABLE
    if require:
        env["SHIFTPLANNER_REQUIRE_SERVICES"] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/teams",
            "-k",
            "postgresql",
            "-rs",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_missing_postgresql_is_a_skip_with_a_reason() -> None:
    result = run_suite_part(require=False)
    assert result.returncode == 0, result.stdout
    assert "skipped" in result.stdout
    assert "PostgreSQL is not reachable" in result.stdout


def test_ci_turns_the_skip_into_a_failure() -> None:
    result = run_suite_part(require=True)
    assert result.returncode != 0
    assert "SHIFTPLANNER_REQUIRE_SERVICES=1 makes this a failure" in result.stdout
