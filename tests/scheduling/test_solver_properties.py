"""Properties of `solve()` on random small problems, judged by the independent checker:
a returned roster keeps every hard rule, its objective and breakdown are the checker's,
an infeasible answer is explained, and on problems small enough to enumerate, the
optimum is the brute-force optimum (docs/scheduling-rules.md)."""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from datetime import date, time, timedelta
from math import prod

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from shiftplanner.scheduling.checker import check
from shiftplanner.scheduling.heuristic import construct
from shiftplanner.scheduling.horizon import Horizon
from shiftplanner.scheduling.problem import (
    AnalystSpec,
    Assignment,
    Contract,
    ContractCounts,
    Coverage,
    FairnessCounts,
    HistoryDay,
    Problem,
    RequestKind,
    Rules,
    ShiftRequest,
    ShiftTypeSpec,
    SkillCover,
    Unavailable,
    Weights,
)
from shiftplanner.scheduling.solution import Solution, Status
from shiftplanner.scheduling.solve import SolveOptions, covers_short, solve
from tests.scheduling.test_solver_rules import brute_force, cell_options

# Far beyond what these small problems take (milliseconds): a core shared with another
# test worker must not turn a slow answer into no answer (a CI run saw UNKNOWN at 2 s).
OPTIONS = SolveOptions(time_limit_seconds=10, workers=2, explain_seconds=10)
HARD_RULES = {
    "unknown_reference",
    "one_shift_per_day",
    "day_off",
    "succession",
    "max_shifts_per_type",
    "min_minutes",
    "max_minutes",
    "max_consecutive_days",
    "min_consecutive_days",
    "min_consecutive_days_off",
    "max_weekends",
    "screener_skill",
    "max_consecutive_screener_days",
    "locked",
    "hard_min",
    "max_consecutive_days_off",
    "min_consecutive_shift_type",
    "max_consecutive_shift_type",
    "min_assignments",
    "max_assignments",
    "complete_weekends",
    "skill",
    "skill_min",
}
SKILL = "screener"
TRIAGE = "triage"  # a skill coverage asks for by name
LIMIT_WEIGHTS = (
    "consecutive_days",
    "consecutive_days_off",
    "consecutive_shift_type",
    "assignments",
    "weekends",
    "complete_weekends",
)
UNKNOWN_SHIFT = 99  # a shift type only history still remembers


@st.composite
def problems(draw: st.DrawFn, analysts: int = 4, days: int = 6, shifts: int = 3) -> Problem:
    def chance(percent: int) -> bool:
        """True about `percent` % of the time; shrinks to False."""
        return draw(st.integers(0, 99)) >= 100 - percent

    def small(low: int, high: int) -> int:
        return draw(st.integers(low, high))

    start = draw(st.dates(date(2023, 12, 20), date(2024, 3, 5)))  # month, year ends, 29 Feb
    horizon = [start + timedelta(days=i) for i in range(small(1, days))]
    ids = list(range(1, small(1, shifts) + 1))

    def runs() -> tuple[int | None, int | None]:
        least = small(1, 3) if chance(20) else None
        most = small(least or 1, 3) if chance(20) else None
        return least, most

    shift_types = [
        ShiftTypeSpec(
            id=i,
            start=time(small(0, 23), draw(st.sampled_from([0, 30]))),
            minutes=30 * small(2, 24),
            forbidden_next=draw(st.lists(st.sampled_from(ids), unique=True, max_size=2)),
            is_night=chance(40),
            min_consecutive=least,
            max_consecutive=most,
        )
        for i in ids
        for least, most in [runs()]
    ]
    team = []
    for aid in range(1, small(1, analysts) + 1):
        per_type = {i: small(0, len(horizon)) for i in ids if chance(20)}
        contract = Contract(
            max_shifts_per_type=per_type,
            min_minutes=small(0, 900) if chance(15) else None,
            max_minutes=small(0, 3000) if chance(25) else None,
            max_consecutive_days=small(1, 4) if chance(30) else None,
            min_consecutive_days=small(1, 3) if chance(25) else None,
            min_consecutive_days_off=small(1, 3) if chance(25) else None,
            max_weekends=small(0, 2) if chance(25) else None,
            max_consecutive_days_off=small(1, 4) if chance(20) else None,
            min_assignments=small(0, 4) if chance(15) else None,
            max_assignments=small(0, 4) if chance(15) else None,
            complete_weekends=chance(25),
        )
        off = draw(st.lists(st.sampled_from([*horizon, start - timedelta(days=1)]), max_size=2))
        blocked = draw(
            st.lists(
                st.builds(
                    Unavailable, date=st.sampled_from(horizon), shift_type_id=st.sampled_from(ids)
                ),
                max_size=2,
            )
        )
        team.append(
            AnalystSpec(
                id=aid,
                skills=[skill for skill in (SKILL, TRIAGE) if chance(50)],
                contract=contract,
                days_off=off,
                unavailable=blocked,
            )
        )
    aids = [a.id for a in team]
    history = {}
    for aid in aids:
        if chance(50):
            listed = draw(st.lists(st.integers(1, 5), unique=True, max_size=5))
            history[aid] = [
                HistoryDay(
                    date=start - timedelta(days=back),
                    shift_type_id=draw(st.sampled_from([None, *ids, UNKNOWN_SHIFT])),
                    is_screener=chance(40),
                )
                for back in listed
            ]
    fairness = {
        aid: FairnessCounts(weekends=small(0, 3), nights=small(0, 3), screener_days=small(0, 3))
        for aid in aids
        if chance(30)
    }
    contract_history = {
        aid: ContractCounts(assignments=small(0, 3), weekends=small(0, 1))
        for aid in aids
        if chance(25)
    }
    coverage = [
        Coverage(
            date=day,
            shift_type_id=i,
            required=small(0, 3),
            screeners_required=small(0, 2) if chance(30) else 0,
            hard_min=small(0, 2) if chance(20) else None,
            under_weight=small(0, 200) if chance(20) else None,
            over_weight=small(0, 50) if chance(20) else None,
            skills=[
                SkillCover(
                    skill=skill,
                    minimum=small(0, 1) if chance(30) else 0,
                    optimal=small(0, 2),
                    under_weight=small(0, 60) if chance(20) else None,
                )
                for skill in (SKILL, TRIAGE)
                if chance(20)
            ],
        )
        for day in horizon
        for i in ids
        if chance(60)
    ]
    requests = [
        ShiftRequest(
            analyst_id=draw(st.sampled_from(aids)),
            date=draw(st.sampled_from(horizon)),
            shift_type_id=draw(st.sampled_from([None, *ids])),
            kind=draw(st.sampled_from(RequestKind)),
            weight=small(0, 50) if chance(30) else None,
        )
        for _ in range(small(0, 3))
    ]

    def assignment(days: list[date]) -> Assignment:
        return Assignment(
            analyst_id=draw(st.sampled_from(aids)),
            date=draw(st.sampled_from(days)),
            shift_type_id=draw(st.sampled_from(ids)),
            is_screener=chance(30),
            skill=TRIAGE if chance(20) else None,
        )

    locked = [assignment(horizon) for _ in range(small(0, 2))] if chance(30) else []
    hint = None
    if chance(40):  # one shift a day at most, as in a real roster; a day past the end too
        cells = {
            (a.analyst_id, a.date): a for a in (assignment(horizon) for _ in range(small(0, 8)))
        }
        hint = [*cells.values()] + (
            [assignment([horizon[-1] + timedelta(days=1)])] if chance(20) else []
        )
    weights = Weights()
    if chance(40):
        weights = Weights(
            **{name: small(0, 100) for name in Weights.model_fields if name not in LIMIT_WEIGHTS}
        )
    # Each limit hard (null) or weighted, with the competition's border rules.
    weights = weights.model_copy(
        update={name: small(0, 40) if chance(40) else None for name in LIMIT_WEIGHTS}
    )
    rules = Rules(
        min_rest_hours=draw(st.sampled_from([0, 8, 10, 11.5])),
        max_consecutive_screener_days=small(1, 3),
        screener_skill=SKILL,
    )
    return Problem(
        start=start,
        end=horizon[-1],
        shift_types=shift_types,
        analysts=team,
        coverage=coverage,
        requests=requests,
        history=history,
        fairness_history=fairness,
        contract_history=contract_history,
        locked=locked,
        hint=hint,
        weights=weights,
        rules=rules,
    )


def agrees_with_checker(problem: Problem, solution: Solution) -> None:
    """A roster keeps every hard rule and is costed as the checker costs it; an
    infeasible answer names the hard rules to break."""
    assert solution.status is not Status.UNKNOWN, "no answer within the time limit"
    if solution.status is Status.INFEASIBLE:
        assert solution.explanation
        assert {v.rule for v in solution.explanation} <= HARD_RULES
        return
    report = check(problem, solution.assignments)
    assert report.violations == []
    assert solution.objective == report.objective
    assert solution.breakdown == report.breakdown
    # The model's own cost of the roster may run above its true cost (its shortage
    # variables are bounded from below only), never below it.
    assert solution.progress[-1].objective >= report.objective
    assert solution.bound is not None
    assert solution.bound <= solution.objective


# Small problems the solver got wrong once, tried on every run.
MON = date(2024, 1, 1)
EARLY = ShiftTypeSpec(id=1, start=time(7), minutes=480)
LATE = ShiftTypeSpec(id=2, start=time(15), minutes=480)
PAIR = [AnalystSpec(id=1), AnalystSpec(id=2)]
# Night fairness counts the history even when no shift type is a night (spread 1: 20).
NIGHTS_WITHOUT_NIGHT_SHIFTS = Problem(
    start=MON,
    end=MON,
    shift_types=[EARLY],
    analysts=PAIR,
    fairness_history={2: FairnessCounts(nights=1)},
)
# A history date listed twice, worked and off, is a working day: no work on 1 January.
HISTORY_DAY_TWICE = Problem(
    start=MON,
    end=MON,
    shift_types=[EARLY],
    analysts=[AnalystSpec(id=1, contract=Contract(max_consecutive_days=1))],
    coverage=[Coverage(date=MON, shift_type_id=1, required=1)],
    history={1: [HistoryDay(date=MON - timedelta(days=1), shift_type_id=s) for s in (1, None)]},
)
# A hint with two shifts on a day: working either one still changes the day (30).
HINT_WITH_TWO_SHIFTS = Problem(
    start=MON,
    end=MON,
    shift_types=[EARLY, LATE],
    analysts=PAIR[:1],
    coverage=[Coverage(date=MON, shift_type_id=1, required=1)],
    hint=[Assignment(analyst_id=1, date=MON, shift_type_id=s) for s in (1, 2)],
)
# A day off flagged `is_screener` is no screener day: screener duty is allowed (0, not 100).
SCREENER_FLAG_ON_A_DAY_OFF = Problem(
    start=MON,
    end=MON,
    shift_types=[EARLY],
    analysts=[AnalystSpec(id=1, skills=[SKILL])],
    coverage=[Coverage(date=MON, shift_type_id=1, required=1, screeners_required=1)],
    history={1: [HistoryDay(date=MON - timedelta(days=1), shift_type_id=None, is_screener=True)]},
    rules=Rules(max_consecutive_screener_days=1),
)

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@SETTINGS
@given(problems())
def test_solutions_pass_the_checker(problem: Problem) -> None:
    note(problem.model_dump_json())
    agrees_with_checker(problem, solve(problem, OPTIONS))


def rosters(problem: Problem) -> int:
    return prod(len(options) for options in cell_options(problem))


@SETTINGS
@given(problems(analysts=2, days=5, shifts=2))
def test_optimum_is_the_brute_force_optimum(problem: Problem) -> None:
    assume(rosters(problem) <= 4000)
    note(problem.model_dump_json())
    solution = solve(problem, OPTIONS)
    agrees_with_checker(problem, solution)
    best = brute_force(problem)
    if best is None:
        assert solution.status is Status.INFEASIBLE
    else:
        assert solution.status is Status.OPTIMAL
        assert solution.objective == best


@pytest.mark.parametrize(
    "problem",
    [
        NIGHTS_WITHOUT_NIGHT_SHIFTS,
        HISTORY_DAY_TWICE,
        HINT_WITH_TWO_SHIFTS,
        SCREENER_FLAG_ON_A_DAY_OFF,
    ],
    ids=[
        "nights-without-night-shifts",
        "history-day-twice",
        "hint-with-two-shifts",
        "screener-flag-on-a-day-off",
    ],
)
def test_small_problems_once_wrong(problem: Problem) -> None:
    solution = solve(problem, OPTIONS)
    agrees_with_checker(problem, solution)
    assert solution.status is Status.OPTIMAL
    assert solution.objective == brute_force(problem)


# --- larger problems: the time limit holds and the roster is checked ---------------------


def solve_within(problem: Problem, options: SolveOptions) -> Solution:
    """`solve()` in a thread, given its time limit and a generous margin to return."""
    outcome: list[Solution | BaseException] = []

    def run() -> None:
        try:
            outcome.append(solve(problem, options))
        except BaseException as error:  # handed to the test below
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(options.time_limit_seconds + options.explain_seconds + 10)
    assert outcome, f"solve() did not return within {options.time_limit_seconds} s + margin"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


# With the large-neighbourhood search on (it once looped forever on a one-analyst team),
# with both searches (proof, then few workers) in the time limit, and with CP-SAT's
# neighbourhood workers alone in the last.
@pytest.mark.parametrize(
    "options",
    [
        SolveOptions(time_limit_seconds=3, workers=2, explain_seconds=3),
        SolveOptions(time_limit_seconds=3, workers=2, explain_seconds=3, lns=True),
        SolveOptions(time_limit_seconds=3, workers=4, search_workers=1, proof_seconds=1),
        SolveOptions(
            time_limit_seconds=3,
            workers=4,
            proof_seconds=1,
            prove_gap=0.0,  # the last search stays a search, with neighbourhoods only
            search_full_subsolvers=0,
        ),
    ],
    ids=["one-search", "lns", "two-searches", "lns-only"],
)
def test_one_analyst_for_twelve_weeks(options: SolveOptions) -> None:
    rng = random.Random(1)
    shifts = [
        ShiftTypeSpec(id=i, start=time(rng.randrange(24)), minutes=rng.choice([240, 480, 600]))
        for i in (1, 2, 3)
    ]
    contract = Contract(
        min_consecutive_days=3,
        min_consecutive_days_off=2,
        max_consecutive_days=5,
        max_minutes=84 * 300,
        min_minutes=84 * 200,
    )
    coverage = [
        Coverage(
            date=MON + timedelta(days=d),
            shift_type_id=s.id,
            required=rng.randrange(2),
            under_weight=rng.randrange(1, 100),
            over_weight=rng.randrange(1, 30),
        )
        for d in range(84)
        for s in shifts
    ]
    problem = Problem(
        start=MON,
        end=MON + timedelta(days=83),
        shift_types=shifts,
        analysts=[AnalystSpec(id=1, contract=contract)],
        coverage=coverage,
    )
    solution = solve_within(problem, options)
    assert solution.status in (Status.OPTIMAL, Status.FEASIBLE)
    agrees_with_checker(problem, solution)


def test_forty_analysts_for_one_weekend() -> None:
    rng = random.Random(1)
    saturday, n = date(2024, 1, 6), 40
    shifts = [
        ShiftTypeSpec(id=i + 1, start=time(7 + 8 * i), minutes=480, is_night=i == 2)
        for i in range(3)
    ]
    team = [
        AnalystSpec(
            id=i + 1,
            skills=[SKILL] if i % 2 else [],
            contract=Contract(max_minutes=rng.choice([480, 960])),
        )
        for i in range(n)
    ]
    coverage = [
        Coverage(
            date=saturday + timedelta(days=d),
            shift_type_id=s.id,
            required=rng.randrange(n // 2),
            screeners_required=rng.randrange(3),
            under_weight=rng.randrange(1, 100),
            over_weight=rng.randrange(1, 30),
        )
        for d in range(2)
        for s in shifts
    ]
    requests = [
        ShiftRequest(
            analyst_id=rng.randrange(n) + 1,
            date=saturday + timedelta(days=rng.randrange(2)),
            shift_type_id=rng.choice([None, 1, 2, 3]),
            kind=rng.choice(list(RequestKind)),
            weight=rng.randrange(50),
        )
        for _ in range(n)
    ]
    history = {
        i + 1: FairnessCounts(
            weekends=rng.randrange(5), nights=rng.randrange(7), screener_days=rng.randrange(7)
        )
        for i in range(n)
    }
    problem = Problem(
        start=saturday,
        end=saturday + timedelta(days=1),
        shift_types=shifts,
        analysts=team,
        coverage=coverage,
        requests=requests,
        fairness_history=history,
    )
    solution = solve_within(
        problem, SolveOptions(time_limit_seconds=5, workers=2, explain_seconds=5)
    )
    assert solution.status in (Status.OPTIMAL, Status.FEASIBLE)
    agrees_with_checker(problem, solution)


# --- covering first -----------------------------------------------------------------------


def test_covering_first_reports_and_ends_at_the_whole_cost() -> None:
    """The constructive start leaves Monday short (only analyst 1 can work it), so the
    search first minimises coverage alone: every roster it finds on the way is reported
    at its whole cost (never the 100 of coverage alone), and the whole cost is minimised
    after it."""
    early = ShiftTypeSpec(id=1, name="EARLY", start=time(7), minutes=480)
    monday = date(2024, 1, 1)
    problem = Problem(
        start=monday,
        end=monday + timedelta(days=2),
        shift_types=[early],
        analysts=[AnalystSpec(id=1), AnalystSpec(id=2, days_off=[monday])],
        coverage=[Coverage(date=monday, shift_type_id=1, required=2)],
        requests=[
            ShiftRequest(analyst_id=1, date=monday, kind=RequestKind.OFF, weight=10),
            ShiftRequest(
                analyst_id=2, date=monday + timedelta(days=2), kind=RequestKind.ON, weight=7
            ),
        ],
        weights=Weights(over_cover=1),
    )
    assert covers_short(problem, construct(Horizon(problem)))

    solution = solve(problem, replace(OPTIONS, cover_first=True))

    agrees_with_checker(problem, solution)
    # Monday one short (100), analyst 1 works it anyway (10); analyst 2's Wednesday
    # on-request is worth more than the analyst too many it makes (1).
    assert (solution.status, solution.objective) == (Status.OPTIMAL, 111)
    assert solution.progress
    assert all(point.objective >= 111 for point in solution.progress)
