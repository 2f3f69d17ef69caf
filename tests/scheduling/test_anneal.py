"""The annealing prices a roster as the checker does (its hard count is zero exactly when
the checker finds no break; its soft count is the checker's objective), on random small
problems and random rosters; and what it reports keeps every hard rule."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from shiftplanner.scheduling import anneal_kernel as k
from shiftplanner.scheduling.anneal import Annealing, Arrays, compile_kernel, unsupported
from shiftplanner.scheduling.checker import check
from shiftplanner.scheduling.horizon import Horizon
from shiftplanner.scheduling.lns import DecisionVars
from shiftplanner.scheduling.problem import Assignment, Problem
from shiftplanner.scheduling.solve import SolveOptions, _annealing_behind, _values, build, solve
from shiftplanner.scheduling.solve import _roster as _roster_of
from tests.scheduling.test_solver_properties import problems


def _counted(
    arrays: Arrays, state: np.ndarray, skill: np.ndarray, duty: np.ndarray
) -> tuple[int, int]:
    totals = arrays.priced(state, skill, duty)[-1]
    return int(totals[0]), int(totals[1])


def _roster(
    arrays: Arrays, state: np.ndarray, skill: np.ndarray, duty: np.ndarray
) -> list[Assignment]:
    h = arrays.horizon
    return [
        Assignment(
            analyst_id=h.analysts[n].id,
            date=h.days[d],
            shift_type_id=h.shifts[int(state[n, d])].id,
            skill=None if skill[n, d] < 0 else arrays.skill_names[int(skill[n, d])],
            is_screener=bool(duty[n, d]),
        )
        for n in range(state.shape[0])
        for d in range(state.shape[1])
        if state[n, d] >= 0
    ]


@st.composite
def priced(draw: st.DrawFn) -> tuple[Problem, Arrays, np.ndarray, np.ndarray, np.ndarray]:
    """A problem the annealing takes and a roster its moves could reach: fixed cells
    as locked, no banned cell, skills the analyst has, screener duty for the skilled."""
    problem = draw(problems())
    assume(unsupported(problem) is None)
    arrays = Arrays(Horizon(problem))
    analysts, days = arrays.start_state.shape
    state = arrays.start_state.copy()
    skill = np.full((analysts, days), -1, np.int64)
    duty = arrays.start_duty.copy()
    for n in range(analysts):
        for d in range(days):
            if not arrays.fixed[n, d]:
                states = [t - 1 for t in np.flatnonzero(arrays.allowed[n, d])]
                state[n, d] = draw(st.sampled_from(states))
            if state[n, d] >= 0 and arrays.skill_count[n]:
                skill[n, d] = draw(
                    st.sampled_from([-1, *arrays.skills[n, : arrays.skill_count[n]]])
                )
            if state[n, d] >= 0 and arrays.skilled[n] and not arrays.fixed[n, d]:
                duty[n, d] = draw(st.sampled_from([0, 1]))
    return problem, arrays, state, skill, duty


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(priced())
def test_the_annealing_prices_a_roster_as_the_checker(
    case: tuple[Problem, Arrays, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    problem, arrays, state, skill, duty = case
    soft, hard = _counted(arrays, state, skill, duty)
    report = check(problem, _roster(arrays, state, skill, duty))
    note(f"violations: {[v.rule for v in report.violations]}; breakdown: {report.breakdown}")
    assert (hard == 0) == report.feasible
    assert soft == report.objective


# Each kind of move alone (anneal_kernel.MIX_*): changes, swaps.
ONE_KIND = {"change": (1.0, 0.5, 7, 0.5, 14), "swap": (0.0, 0.5, 7, 0.5, 14)}


@pytest.mark.parametrize("kind", ONE_KIND)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(priced(), st.integers(0, 2**31))
def test_each_kind_of_move_keeps_the_counts_it_is_priced_by(
    kind: str, case: tuple[Problem, Arrays, np.ndarray, np.ndarray, np.ndarray], seed: int
) -> None:
    """After many moves of one kind, hot enough that most are taken, what the kernel
    counted as it went (cover, rows, fairness, the totals) is what a count from scratch of
    the roster it holds gives."""
    _problem, arrays, state, skill, duty = case
    counters = arrays.priced(state, skill, duty)
    best = (state.copy(), skill.copy(), duty.copy())
    mix = np.array(ONE_KIND[kind], np.float64)
    k.anneal(counters, best, 50.0, 500, seed, 100, mix, arrays.rules)
    recounted = arrays.priced(state.copy(), skill.copy(), duty.copy())
    for kept, fresh in zip(counters[3:], recounted[3:], strict=True):
        if fresh is recounted[-1]:
            kept, fresh = kept[:2], fresh[:2]  # the best so far is the run's own
        assert np.array_equal(kept, fresh)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_roster_it_reports_keeps_the_hard_rules(problem: Problem) -> None:
    assume(unsupported(problem) is None)
    found: list[list[Assignment]] = []
    annealing = Annealing(problem)
    annealing.run(0.05, found.append, threading.Event())
    for roster in found:
        assert check(problem, roster).feasible
    if found:
        assert annealing.best_objective == check(problem, found[-1]).objective


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(priced())
def test_the_solve_reads_an_annealed_roster_back_unchanged(
    case: tuple[Problem, Arrays, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """What the annealing offers the search goes through the model's variables and back."""
    problem, arrays, state, skill, duty = case
    roster = _roster(arrays, state, skill, duty)
    builder = build(problem)
    decision = DecisionVars(builder)
    back = _roster_of(builder, decision, _values(builder, decision, roster))
    h = builder.horizon

    def key(a: Assignment) -> tuple[object, ...]:
        cell = (h.analyst_index[a.analyst_id], h.index[a.date], h.shift_index[a.shift_type_id])
        modelled = a.skill in builder.skill_duty.get(cell, {})
        return (a.analyst_id, a.date, a.shift_type_id, a.is_screener, a.skill if modelled else None)

    assert sorted(map(key, back)) == sorted(map(key, roster))


def four_weeks_of_one_shift() -> Problem:
    return Problem.model_validate(
        {
            "start": "2026-03-02",
            "end": "2026-03-29",
            "shift_types": [{"id": 1, "start": "07:00", "minutes": 480}],
            "analysts": [{"id": i} for i in range(1, 6)],
            "coverage": [
                {"date": f"2026-03-{day:02d}", "shift_type_id": 1, "required": 3}
                for day in range(2, 30)
            ],
        }
    )


def test_it_gives_way_after_half_its_time_to_a_search_that_is_ahead() -> None:
    problem = four_weeks_of_one_shift()
    Annealing(problem).run(0.01, lambda roster: None, threading.Event())  # compiled now
    asked: list[float] = []

    def behind(own: int | None) -> bool:
        asked.append(time.monotonic())
        return True

    started = time.monotonic()
    Annealing(problem).run(4.0, lambda roster: None, threading.Event(), behind)
    ended = time.monotonic()
    assert asked, "never asked"
    assert asked[0] - started >= 2.0  # not before half its time
    assert ended - started < 3.5  # and then at once, not at the end


def test_it_asks_whether_it_is_behind_with_its_newest_best() -> None:
    """Its own count of its best goes with each question, better rosters not yet offered
    included (offers are spaced out)."""
    problem = four_weeks_of_one_shift()
    offers = 0
    asked: list[int | None] = []
    annealing = Annealing(problem)

    def offer(roster: list[Assignment]) -> None:
        nonlocal offers
        offers += 1

    def behind(own: int | None) -> bool:
        asked.append(own)
        return False

    annealing.run(1.0, offer, threading.Event(), behind)
    counts = [own for own in asked if own is not None]
    assert counts
    assert len(counts) == len(asked)
    assert counts == sorted(counts, reverse=True)  # its best only ever improves
    assert offers
    assert annealing.best_objective is not None
    assert counts[-1] >= annealing.best_objective  # it may improve once more at the end


@pytest.mark.parametrize(
    ("ahead", "offered", "own", "behind"),
    [
        (None, None, None, False),  # the search has no roster yet
        (900, None, None, True),  # the annealing has none
        (900, 1000, None, True),
        (900, 1000, 950, True),
        (900, 1000, 800, False),  # its newest, not yet offered, is ahead
        (900, 900, 900, False),  # a tie is not behind
        (900, 800, 950, False),
    ],
)
def test_the_annealing_is_behind_only_when_the_search_beats_its_newest_best(
    ahead: int | None, offered: int | None, own: int | None, behind: bool
) -> None:
    assert _annealing_behind(ahead, offered, own) is behind


def test_the_solve_prepares_the_annealing_before_its_clock_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process's first preparation compiles the kernel, seconds that hold the GIL: they
    must not come out of the searches' time limit (here a slow preparation stands in)."""
    prepare = Annealing.prepare

    def slow(annealing: Annealing) -> None:
        if annealing._arrays is None:  # the first call: the one that would compile
            time.sleep(1.5)
        prepare(annealing)

    monkeypatch.setattr(Annealing, "prepare", slow)
    solution = solve(four_weeks_of_one_shift(), SolveOptions(time_limit_seconds=1.0))
    assert solution.seconds < 1.4, solution.seconds
    assert solution.objective is not None


# A problem with every kind of array filled: skills and their cover, screener duty, history.
RICH_PROBLEM = {
    "start": "2026-03-02",
    "end": "2026-03-15",
    "shift_types": [
        {"id": 1, "start": "07:00", "minutes": 480},
        {"id": 2, "start": "22:00", "minutes": 600, "is_night": True, "forbidden_next": [1]},
    ],
    "analysts": [
        {"id": 1, "skills": ["screener", "triage"]},
        {"id": 2, "skills": ["triage"]},
        {"id": 3},
    ],
    "coverage": [
        {
            "date": "2026-03-03",
            "shift_type_id": 1,
            "required": 2,
            "screeners_required": 1,
            "skills": [{"skill": "triage", "minimum": 1, "optimal": 2}],
        }
    ],
    "history": {"2": [{"date": "2026-03-01", "shift_type_id": 2}]},
}
PREPARE_AND_COUNT = """
import json, sys
from shiftplanner.scheduling import anneal_kernel as k
from shiftplanner.scheduling.anneal import Annealing
from shiftplanner.scheduling.problem import Problem
Annealing(Problem.model_validate(json.loads(sys.argv[1]))).prepare()
print(json.dumps([len(f.stats.cache_misses) for f in (k.anneal, k.evaluate)]))
"""


def test_the_kernel_compiled_at_install_serves_every_later_process() -> None:
    """What `make install` runs (`compile_kernel`, on a tiny problem) leaves numba's cache
    so that a new process preparing a quite different problem compiles nothing: every
    problem's arrays share one set of types."""
    compile_kernel()
    assert Problem.model_validate(RICH_PROBLEM)  # the problem is valid as written
    done = subprocess.run(  # noqa: S603 (our own snippet)
        [sys.executable, "-c", PREPARE_AND_COUNT, json.dumps(RICH_PROBLEM)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout.splitlines()[-1]) == [0, 0], done.stderr
