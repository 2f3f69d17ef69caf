"""The INRC-II reader and scorer against the competition's own validator: the sample
solution's report reproduced line by line, every listed instance read whole, and the
border rules (runs carried over from history) on cases small enough to count by hand."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from bench.solver import inrc2
from shiftplanner.scheduling import checker
from shiftplanner.scheduling.solution import Term
from shiftplanner.scheduling.solve import SolveOptions, solve
from tests.conftest import REQUIRE_SERVICES

SAMPLE = "n005w4_0_1-2-3-3"
# The validator's report lines → the scorer's names.
REPORT_LINES = {
    "Total assignment constraints": "total assignments",
    "Consecutive constraints": "consecutive",
    "Non working days constraints": "non working days",
    "Preferences": "preferences",
    "Max working weekend": "max working weekend",
    "Complete weekends": "complete weekends",
    "Optimal coverage constraints": "optimal coverage",
}


@pytest.fixture(scope="module")
def root() -> Path:
    found = inrc2.data_root()
    if found is None:
        message = "the INRC-II data (../shared/bench/rostering) is not on this machine"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return found


def entry(root: Path, name: str) -> inrc2.Listed:
    return next(item for item in inrc2.listed(root) if item.name == name)


def test_the_sample_solution_scores_what_the_official_validator_reported(root: Path) -> None:
    instance = inrc2.read_instance(root, entry(root, SAMPLE))
    folder = root / "inrc2" / "n005w4" / "Solution_H_0-WD_1-2-3-3"
    scored = inrc2.score(instance, inrc2.read_solution(folder))
    validator = (folder / "validator.txt").read_text()
    expected = {
        name: int(re.search(rf"^{line}: (\d+)$", validator, re.M).group(1))  # type: ignore[union-attr]
        for line, name in REPORT_LINES.items()
    }
    assert dict(scored.soft) == expected
    assert scored.total == int(re.search(r"Total cost: (\d+)", validator).group(1)) == 1695  # type: ignore[union-attr]
    assert scored.feasible


def test_every_listed_instance_reads_whole(root: Path) -> None:
    for item in inrc2.listed(root):
        instance = inrc2.read_instance(root, item)
        scenario = instance.scenario
        assert len(scenario.nurses) == int(item.dataset[1:4]), item.name
        assert len(instance.weeks) == scenario.weeks == 4
        assert set(instance.history) == {nurse.name for nurse in scenario.nurses}
        for week in instance.weeks:
            assert {(shift, skill) for _, shift, skill in week.requirements} <= {
                (shift, skill) for shift in scenario.shifts for skill in scenario.skills
            }
            assert all(minimum <= optimal for minimum, optimal in week.requirements.values())
            assert {nurse for nurse, _, _ in week.off_requests} <= set(instance.history)
        assert all(n.contract in scenario.contracts for n in scenario.nurses)


def test_an_empty_roster_misses_every_minimum_and_optimum(root: Path) -> None:
    instance = inrc2.read_instance(root, entry(root, SAMPLE))
    scored = inrc2.score(instance, [])
    needs = [need for week in instance.weeks for need in week.requirements.values()]
    assert scored.hard["minimal coverage"] == sum(minimum for minimum, _ in needs)
    assert scored.soft["optimal coverage"] == 30 * sum(optimal for _, optimal in needs)
    assert not scored.feasible


@pytest.mark.parametrize(
    ("flags", "carried", "bounds", "cost"),
    [
        # A history run of 2 broken on the first Monday is 1 short of 3.
        ([False, True, True, True], 2, (3, 5), 1),
        # ... and none when history already had the least.
        ([False, True, True, True], 3, (3, 5), 0),
        # A history run of 6 (most 5) carried 1 day on: only the added day costs.
        ([True, False, False, False], 6, (3, 5), 1),
        # A run open on the last day is checked against the most only.
        ([False, False, True], 0, (3, 5), 0),
        ([True] * 7, 0, (3, 5), 2),
        # Two closed runs short of 3 by 1 and 2; the open one of 1 is not judged.
        ([True, True, False, True, False, True], 0, (3, 5), 3),
    ],
)
def test_runs_across_the_border(
    flags: list[bool], carried: int, bounds: tuple[int, int], cost: int
) -> None:
    assert inrc2.run_costs(inrc2.runs_of(flags, carried), bounds, 1) == cost


def test_hard_rules_reach_back_into_history(root: Path) -> None:
    """Patrick worked a Night on the Sunday before: an Early on the first Monday is a
    forbidden succession; two shifts on one day and a skill he lacks are refused too."""
    instance = inrc2.read_instance(root, entry(root, SAMPLE))
    assert instance.history["Patrick"].last_shift == "Night"
    scored = inrc2.score(
        instance,
        [
            inrc2.Assignment("Patrick", 0, "Early", "Nurse"),
            inrc2.Assignment("Sara", 3, "Late", "Nurse"),
            inrc2.Assignment("Sara", 3, "Night", "HeadNurse"),
        ],
    )
    assert scored.hard["illegal shift type succession"] == 1
    assert scored.hard["single assignment per day"] == 1
    assert scored.hard["required skill"] == 1


# --- the instances as the solver's problem ---------------------------------------------

# The validator's report lines → the checker's terms that make them up.
TERMS = {
    "total assignments": {Term.ASSIGNMENTS},
    "consecutive": {Term.CONSECUTIVE_DAYS, Term.CONSECUTIVE_SHIFT_TYPE},
    "non working days": {Term.CONSECUTIVE_DAYS_OFF},
    "preferences": {Term.UNGRANTED_OFF_REQUESTS},
    "max working weekend": {Term.WEEKENDS},
    "complete weekends": {Term.COMPLETE_WEEKENDS},
    "optimal coverage": {Term.SKILL_SHORT},
}


def by_validator_line(report: checker.Report) -> dict[str, int]:
    return {
        line: sum(report.breakdown[term].penalty for term in terms) for line, terms in TERMS.items()
    }


def test_the_sample_solution_converted_costs_1695_line_by_line(root: Path) -> None:
    instance = inrc2.read_instance(root, entry(root, SAMPLE))
    solution = inrc2.read_solution(root / "inrc2" / "n005w4" / "Solution_H_0-WD_1-2-3-3")
    report = checker.check(inrc2.problem(instance), inrc2.to_roster(instance, solution))
    assert report.violations == []
    assert by_validator_line(report) == dict(inrc2.score(instance, solution).soft)
    assert report.objective == 1695
    assert inrc2.from_roster(instance, inrc2.to_roster(instance, solution)) == solution


def random_roster(instance: inrc2.Instance, rng: random.Random) -> list[inrc2.Assignment]:
    """At most one shift a nurse and day, each with a skill of the nurse's: what the
    validator scores (it may break minimum cover and successions)."""
    shifts = list(instance.scenario.shifts)
    return [
        inrc2.Assignment(nurse.name, day, rng.choice(shifts), rng.choice(sorted(nurse.skills)))
        for nurse in instance.scenario.nurses
        for day in range(instance.days)
        if rng.random() < rng.choice([0.3, 0.6, 0.9])
    ]


def test_every_instance_converts_and_the_checker_scores_as_the_validator(root: Path) -> None:
    rng = random.Random(21)
    for item in inrc2.listed(root):
        instance = inrc2.read_instance(root, item)
        problem = inrc2.problem(instance)
        assert len(problem.analysts) == len(instance.scenario.nurses)
        assert problem.horizon_days == instance.days
        for _ in range(5):
            roster = random_roster(instance, rng)
            scored = inrc2.score(instance, roster)
            report = checker.check(problem, inrc2.to_roster(instance, roster))
            assert by_validator_line(report) == dict(scored.soft), item.name
            assert report.objective == scored.total
            hard = {violation.rule for violation in report.violations}
            assert hard <= {"skill_min", "succession"}
            assert ("skill_min" in hard) == bool(scored.hard["minimal coverage"])
            assert ("succession" in hard) == bool(scored.hard["illegal shift type succession"])


def test_a_solved_roster_is_what_the_validator_says_it_is(root: Path) -> None:
    instance = inrc2.read_instance(root, entry(root, SAMPLE))
    options = SolveOptions(time_limit_seconds=4, workers=2, column_bound=False)
    solution = solve(inrc2.problem(instance), options)
    assert solution.objective is not None
    scored = inrc2.score(instance, inrc2.from_roster(instance, solution.assignments))
    assert scored.feasible
    assert scored.total == solution.objective
