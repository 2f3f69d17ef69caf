"""The column-generation bound (bound.py): never above the optimum, on random problems
small enough to enumerate and beside the solver's rosters on larger ones; exact where
CP-SAT's relaxation of the whole model is weak; and used by `solve()`."""

from __future__ import annotations

import random
import threading
from datetime import date, time, timedelta
from time import monotonic, sleep

from hypothesis import assume, given, note
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from shiftplanner.scheduling.anneal import unsupported
from shiftplanner.scheduling.bound import (
    TRIAL_ROUNDS,
    Column,
    ColumnGeneration,
    Prices,
    _AnnealedPricing,
    _Pricing,
    lower_bound,
)
from shiftplanner.scheduling.checker import check
from shiftplanner.scheduling.horizon import Horizon
from shiftplanner.scheduling.problem import (
    AnalystSpec,
    Contract,
    Coverage,
    FairnessCounts,
    HistoryDay,
    Problem,
    ShiftTypeSpec,
    SkillCover,
)
from shiftplanner.scheduling.solution import Progress, Status
from shiftplanner.scheduling.solve import SolveOptions, solve
from tests.scheduling.test_solver_properties import OPTIONS, SETTINGS, problems, rosters
from tests.scheduling.test_solver_rules import brute_force

MON = date(2024, 1, 1)
EARLY = ShiftTypeSpec(id=1, start=time(7), minutes=480)


@SETTINGS
@given(problems(analysts=2, days=5, shifts=2))
def test_the_bound_is_never_above_the_brute_force_optimum(problem: Problem) -> None:
    assume(rosters(problem) <= 4000)
    note(problem.model_dump_json())
    bound = lower_bound(problem, seconds=5)
    best = brute_force(problem)
    if best is not None and bound is not None:
        assert bound <= best


@SETTINGS
@given(problems())
def test_the_bound_is_never_above_a_roster_the_solver_finds(problem: Problem) -> None:
    note(problem.model_dump_json())
    solution = solve(problem, SolveOptions(time_limit_seconds=2, workers=2, column_bound=False))
    bound = lower_bound(problem, seconds=5)
    if solution.assignments and bound is not None:
        assert bound <= check(problem, solution.assignments).objective


def random_prices(h: Horizon, seed: int) -> Prices:
    rng = random.Random(seed)
    cells = [(d, s) for d in range(h.size) for s in range(len(h.shifts))]
    needs = [
        (h.index[c.date], h.shift_index[c.shift_type_id], need.skill)
        for c in h.problem.coverage
        for need in c.skills
    ]
    return Prices(
        worked={cell: rng.uniform(-60, 40) for cell in cells},
        screened={cell: rng.uniform(-30, 0) for cell in cells},
        skilled={need: rng.uniform(-40, 0) for need in needs},
        fairness={name: rng.uniform(-10, 10) for name in ("weekends", "nights", "screener_days")},
    )


@SETTINGS
@given(problems(), st.integers(0, 1000))
def test_annealed_columns_cost_what_the_exact_pricing_model_says(
    problem: Problem, seed: int
) -> None:
    """An annealed column, fixed in CP-SAT's pricing model of its analyst, keeps every
    hard rule there, and its own cost and fairness counts are the model's."""
    assume(unsupported(problem) is None)  # those are priced exactly
    note(problem.model_dump_json())
    h = Horizon(problem)
    annealed = _AnnealedPricing.of(h)
    prices = random_prices(h, seed)
    for a in range(len(h.analysts)):
        for column in annealed.price(a, prices, None, seed):
            assert_costs_what_the_model_says(h, column)


def assert_costs_what_the_model_says(h: Horizon, column: Column) -> None:
    exact = _Pricing.of(h, column.analyst)
    b = exact.builder
    fixed = b.model.clone()
    for d in range(h.size):
        for s in range(len(h.shifts)):
            fixed.add(b.x[0][d][s] == int((d, s) in column.shifts))
            if 0 in b.screener:
                fixed.add(b.screener[0][d][s] == int((d, s) in column.screens))
            for skill, duty in b.skill_duty.get((0, d, s), {}).items():
                fixed.add(duty == int((d, s, skill) in column.skills))
    fixed.clear_objective()  # type: ignore[no-untyped-call]
    fixed.minimize(exact.own_cost)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(fixed) == cp_model.OPTIMAL
    assert round(solver.objective_value) == column.cost
    assert {name: solver.value(count) for name, count in exact.counts.items()} == column.counts


def blocks_problem() -> Problem:
    """Five days, the day before off; EARLY is needed on Tuesday and Thursday only, and a
    working block is at least 2 days. The best roster works Tuesday to Thursday: one
    analyst too many on Wednesday (10). Working half of every day is a roster to the LP
    of the whole model (cost 0), not to the master, whose columns keep the blocks."""
    return Problem(
        start=MON,
        end=MON + timedelta(days=4),
        shift_types=[EARLY],
        analysts=[AnalystSpec(id=1, contract=Contract(min_consecutive_days=2))],
        coverage=[
            Coverage(date=MON + timedelta(days=d), shift_type_id=1, required=int(d in (1, 3)))
            for d in range(5)
        ],
        history={1: [HistoryDay(date=MON - timedelta(days=1), shift_type_id=None)]},
    )


def test_the_bound_keeps_each_analysts_rules_whole() -> None:
    problem = blocks_problem()
    generation = ColumnGeneration(problem)
    assert generation.run(seconds=10) == 10 == brute_force(problem)
    assert generation.converged


def test_fairness_spreads_and_history_are_priced() -> None:
    """Two analysts, one night shift needed on Saturday and on Sunday, one night apiece
    in history, the second with two weekends more. Best: one night each (weekends 1 and
    3: spread 2, 40). Any mix of rosters leaves a weekend spread of at least 1 (20)."""
    saturday = date(2024, 1, 6)
    night = ShiftTypeSpec(id=1, start=time(23), minutes=480, is_night=True)
    problem = Problem(
        start=saturday,
        end=saturday + timedelta(days=1),
        shift_types=[night],
        analysts=[AnalystSpec(id=1), AnalystSpec(id=2)],
        coverage=[
            Coverage(date=saturday + timedelta(days=d), shift_type_id=1, required=1)
            for d in range(2)
        ],
        fairness_history={
            1: FairnessCounts(weekends=0, nights=1),
            2: FairnessCounts(weekends=2, nights=1),
        },
    )
    best = brute_force(problem)
    bound = lower_bound(problem, seconds=10)
    assert best == 40
    assert bound is not None
    assert 20 <= bound <= best
    assert solve(problem, OPTIONS).objective == best


def test_skill_needs_are_priced() -> None:
    """A skill needed two days running, and its only analyst may work one shift: one day
    short of the skill (100, weights.skill_short), and the shift worked is over the cover
    required (10). The master prices each skill's wanted and least cover; without those
    rows the bound was 0."""
    problem = Problem(
        start=MON,
        end=MON + timedelta(days=1),
        shift_types=[EARLY],
        analysts=[AnalystSpec(id=1, skills=["triage"], contract=Contract(max_assignments=1))],
        coverage=[
            Coverage(
                date=MON + timedelta(days=d),
                shift_type_id=1,
                required=0,
                skills=[SkillCover(skill="triage", optimal=1)],
            )
            for d in range(2)
        ],
    )
    generation = ColumnGeneration(problem)
    assert generation.run(seconds=10) == 110 == brute_force(problem)
    assert generation.converged
    # A hard minimum of the skill on both days cannot be met: no roster, and the master's
    # artificial cover prices it far above any roster.
    hard = problem.model_copy(
        update={
            "coverage": [
                c.model_copy(update={"skills": [SkillCover(skill="triage", minimum=1)]})
                for c in problem.coverage
            ]
        }
    )
    assert brute_force(hard) is None
    assert (ColumnGeneration(hard).run(seconds=10) or 0) > 100_000


def test_no_bound_when_an_analysts_own_rules_contradict() -> None:
    problem = Problem(
        start=MON,
        end=MON + timedelta(days=6),
        shift_types=[EARLY],
        analysts=[AnalystSpec(id=1, contract=Contract(min_minutes=480 * 3, max_minutes=480))],
    )
    assert lower_bound(problem, seconds=5) is None
    assert solve(problem, OPTIONS).status is Status.INFEASIBLE


def test_solve_reports_the_stronger_bound_as_progress() -> None:
    """On a team whose rosters are tight, the column bound proves more than CP-SAT's in
    the same seconds; `solve()` reports it, and as a progress point."""
    problem = blocks_problem()
    reported: list[Progress] = []
    solution = solve(problem, OPTIONS, on_progress=reported.append)
    assert solution.status is Status.OPTIMAL
    assert solution.objective == solution.bound == 10
    assert reported[-1].objective == 10


def four_weeks_of_fifteen() -> Problem:
    """Fifteen analysts, two shifts a day for four weeks, blocks and weekends limited: a
    column generation of several rounds of about a second each."""
    late = ShiftTypeSpec(id=2, start=time(15), minutes=480)
    days = [MON + timedelta(days=d) for d in range(28)]
    contract = Contract(min_consecutive_days=3, min_consecutive_days_off=2, max_weekends=2)
    return Problem(
        start=days[0],
        end=days[-1],
        shift_types=[EARLY, late],
        analysts=[AnalystSpec(id=i, contract=contract) for i in range(1, 16)],
        coverage=[
            Coverage(date=day, shift_type_id=s, required=4 + (day.day + s) % 3)
            for day in days
            for s in (1, 2)
        ],
    )


def test_a_run_that_would_not_converge_in_time_gives_up() -> None:
    """Timed over its first rounds, a run whose time is far too short for the rounds it
    needs stops early and leaves the CPU to the search."""
    generation = ColumnGeneration(four_weeks_of_fifteen())
    generation.run(seconds=3)
    assert generation.gave_up
    assert not generation.converged


def test_annealed_rounds_converge_to_the_exact_bound() -> None:
    """After the trial's exact rounds, rounds priced by annealing add the columns, and
    the exact pricing ends the column generation at the same bound as exact rounds alone."""
    exact = ColumnGeneration(four_weeks_of_fifteen(), annealed=False)
    annealed = ColumnGeneration(four_weeks_of_fifteen())
    assert annealed.run(seconds=60) == exact.run(seconds=60) is not None
    assert exact.converged
    assert annealed.converged
    assert exact.rounds == exact.exact_rounds
    assert annealed.rounds > annealed.exact_rounds >= TRIAL_ROUNDS


def test_an_exact_round_is_due_when_annealed_rounds_stall_or_take_their_share() -> None:
    generation = ColumnGeneration(blocks_problem())
    now = monotonic()
    generation.last_exact = (now - 1.0, now)  # an exact round of 1 s, just ended
    generation.values = [1000.0, 900.0, 800.0, 700.0, 600.0]
    assert not generation._exact_due()  # too few rounds to tell
    generation.values.append(500.0)
    assert not generation._exact_due()
    generation.values += [499.0, 498.5, 498.0, 497.5, 497.0]  # 0.6 % over the last five
    assert not generation._exact_due()
    generation.values.append(496.9)  # 0.4 %
    assert generation._exact_due()
    # Annealed rounds for three times as long as the last exact round: due, still falling.
    generation.values = [1000.0, 900.0]
    generation.last_exact = (now - 2.0, now - 1.5)
    assert generation._exact_due()


def test_stop_ends_a_run_under_way() -> None:
    """`solve()` stops the bound's thread when its search ends; a pricing solve under way
    is interrupted, so the thread ends at once, not at its time limit."""
    generation = ColumnGeneration(four_weeks_of_fifteen())
    worker = threading.Thread(target=generation.run, args=(60,))
    worker.start()
    deadline = monotonic() + 10
    while generation.rounds == 0 and monotonic() < deadline:
        sleep(0.01)
    generation.stop()
    worker.join(2)
    assert not worker.is_alive()
    assert not generation.converged
