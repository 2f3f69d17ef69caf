"""The solver, one rule at a time, on instances small enough to know the optimum by hand
and to confirm it by brute force through the independent checker
(docs/scheduling-rules.md). Only `solve()` and `check()` are used."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta
from itertools import product
from math import prod
from typing import Any

import pytest

from shiftplanner.scheduling.checker import check
from shiftplanner.scheduling.problem import (
    AnalystSpec,
    Assignment,
    Contract,
    Coverage,
    FairnessCounts,
    HistoryDay,
    Problem,
    RequestKind,
    Rules,
    ShiftRequest,
    ShiftTypeSpec,
    Unavailable,
    Weights,
)
from shiftplanner.scheduling.solution import Solution, Status, Term, TermCost, Violation
from shiftplanner.scheduling.solve import SolveOptions, solve

MON = date(2024, 1, 1)  # a Monday: offsets 0..4 hold no weekend
E, L, N, M = 1, 2, 3, 4
EARLY = ShiftTypeSpec(id=E, name="EARLY", start=time(7), minutes=480)  # 07:00-15:00
LATE = ShiftTypeSpec(id=L, name="LATE", start=time(15), minutes=480)  # 15:00-23:00
NIGHT = ShiftTypeSpec(id=N, name="NIGHT", start=time(23), minutes=480, is_night=True)
MORNING = ShiftTypeSpec(id=M, name="MORNING", start=time(7), minutes=480)
QUIET = Weights(over_cover=0)  # requests alone decide
OPTIONS = SolveOptions(time_limit_seconds=20, workers=2, explain_seconds=20)
Day = int | date
Cell = tuple[int, int, int]  # analyst, day offset from MON, shift type
Days = tuple[int, ...]  # day offsets from MON
Opt = int | None


def at(when: Day) -> date:
    return MON + timedelta(days=when) if isinstance(when, int) else when


def make(days: int, team: int | list[AnalystSpec], *shifts: ShiftTypeSpec, **kw: Any) -> Problem:
    """`days` days from `start` (default MON); `team`: that many plain analysts, or these;
    `cover`: EARLY needs one on these day offsets; `history` as a list: analyst 1's."""
    start = kw.pop("start", MON)
    if isinstance(team, int):
        team = [AnalystSpec(id=i + 1) for i in range(team)]
    kw["coverage"] = kw.get("coverage", []) + [need(d) for d in kw.pop("cover", ())]
    if isinstance(kw.get("history"), list):
        kw["history"] = {1: kw["history"]}
    end = start + timedelta(days=days - 1)
    return Problem(start=start, end=end, shift_types=list(shifts or (EARLY,)), analysts=team, **kw)


def who(
    aid: int = 1, screener: bool = False, off: Iterable[Day] = (), **limits: Any
) -> AnalystSpec:
    skills, days_off = ["screener"] if screener else [], [at(d) for d in off]
    return AnalystSpec(id=aid, skills=skills, contract=Contract(**limits), days_off=days_off)


def need(when: Day, shift: int = E, required: int = 1, **kw: Any) -> Coverage:
    return Coverage(date=at(when), shift_type_id=shift, required=required, **kw)


def ask(aid: int, when: Day, kind: RequestKind, shift: Opt = None, w: Opt = None) -> ShiftRequest:
    return ShiftRequest(analyst_id=aid, date=at(when), shift_type_id=shift, kind=kind, weight=w)


def past(offset: int, shift: int | None = E, screener: bool = False) -> HistoryDay:
    return HistoryDay(date=at(offset), shift_type_id=shift, is_screener=screener)


def put(aid: int, when: Day, shift: int = E, screener: bool = False) -> Assignment:
    return Assignment(analyst_id=aid, date=at(when), shift_type_id=shift, is_screener=screener)


ON, OFF = RequestKind.ON, RequestKind.OFF


def cell_options(problem: Problem) -> list[list[Assignment | None]]:
    """Every analyst-day's choices: off, or one shift type, with or without screener duty
    if skilled, covering none or one of the skills a need there asks of the analyst."""
    skilled = {a.id for a in problem.analysts if problem.rules.screener_skill in a.skills}
    asked: dict[tuple[date, int], set[str]] = {}
    for entry in problem.coverage:
        asked.setdefault((entry.date, entry.shift_type_id), set()).update(
            cover.skill for cover in entry.skills
        )
    cells: list[list[Assignment | None]] = []
    for analyst in problem.analysts:
        for day in problem.days():
            duties = (False, True) if analyst.id in skilled else (False,)
            options: list[Assignment | None] = [None]
            for s in problem.shift_types:
                covered = sorted(asked.get((day, s.id), set()) & set(analyst.skills))
                options += [
                    put(analyst.id, day, s.id, d).model_copy(update={"skill": skill})
                    for d in duties
                    for skill in (None, *covered)
                ]
            cells.append(options)
    return cells


def brute_force(problem: Problem, limit: int = 20_000) -> int | None:
    """The least checker objective over every roster the checker finds feasible (each
    analyst-day as `cell_options` allows)."""
    cells = cell_options(problem)
    size = prod(len(options) for options in cells)
    assert size <= limit, f"{size} rosters is too many to enumerate"
    best: int | None = None
    for pick in product(*cells):
        report = check(problem, [a for a in pick if a is not None])
        if report.feasible and (best is None or report.objective < best):
            best = report.objective
    return best


def optimal(problem: Problem) -> Solution:
    """Solve; the answer must be proved optimal and agree with the checker."""
    solution = solve(problem, OPTIONS)
    assert solution.status is Status.OPTIMAL, solution
    report = check(problem, solution.assignments)
    assert report.violations == []
    assert solution.objective == report.objective
    assert solution.breakdown == report.breakdown
    return solution


def expect(problem: Problem, objective: int, *, brute: bool = True) -> Solution:
    solution = optimal(problem)
    assert solution.objective == objective, solution.breakdown
    if brute:
        assert brute_force(problem) == objective
    return solution


def roster(solution: Solution) -> set[Cell]:
    return {(a.analyst_id, (a.date - MON).days, a.shift_type_id) for a in solution.assignments}


def duty(solution: Solution) -> set[tuple[int, int]]:
    return {(a.analyst_id, (a.date - MON).days) for a in solution.assignments if a.is_screener}


def explained(problem: Problem) -> list[Violation]:
    solution = solve(problem, OPTIONS)
    assert solution.status is Status.INFEASIBLE
    assert solution.assignments == []
    assert solution.explanation, "an infeasible problem needs an explanation"
    return solution.explanation


# --- coverage and screeners ---------------------------------------------------------------


def test_under_cover_with_own_weight() -> None:
    # Two analysts for EARLY (2 needed, 7 per gap) and LATE (1 needed, 100 per gap).
    s = expect(make(1, 2, EARLY, LATE, coverage=[need(0, E, 2, under_weight=7), need(0, L)]), 7)
    assert sorted(shift for _, _, shift in roster(s)) == [E, L]
    assert s.breakdown[Term.UNDER_COVER] == TermCost(count=1, penalty=7)


@pytest.mark.parametrize(
    ("own", "default", "expected", "worked"),
    [(3, 8, 3, {(1, 0, E)}), (6, 8, 5, set()), (0, 8, 0, {(1, 0, E)}), (6, 4, 4, {(1, 0, L)})],
)
def test_over_cover_own_weight(own: int, default: int, expected: int, worked: set[Cell]) -> None:
    # A whole-day on-request (5) against EARLY (needs 0, own over weight) or LATE (no entry).
    cover, wish = [need(0, E, 0, over_weight=own)], [ask(1, 0, ON, w=5)]
    p = make(1, 1, EARLY, LATE, coverage=cover, requests=wish, weights=Weights(over_cover=default))
    assert roster(expect(p, expected)) == worked


def test_screener_duty_and_shortfall() -> None:
    p = make(1, [who(1, screener=True), who(2)], coverage=[need(0, E, 2, screeners_required=2)])
    s = expect(p, 100)
    assert roster(s) == {(1, 0, E), (2, 0, E)}
    assert duty(s) == {(1, 0)}
    assert s.breakdown[Term.SCREENER_SHORT] == TermCost(count=1, penalty=100)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], 0),
        ([past(-1, E, True)], 100),  # -1, 0, 1 would be three days in a row
        ([past(-2, E, True), past(-1, E)], 0),
        ([past(-2, E, True), past(-1, E, True)], 100),
        ([past(-3, E, True), past(-2, E, True), past(-1, None)], 0),
        # A day off is no screener day, whatever its flag (the checker's reading).
        ([past(-2, E, True), past(-1, None, True)], 0),
    ],
)
def test_max_screener_days_with_history(history: list[HistoryDay], expected: int) -> None:
    cover = [need(d, E, 1, screeners_required=1) for d in (0, 1)]
    rules = Rules(max_consecutive_screener_days=2)
    p = make(2, [who(1, screener=True)], coverage=cover, history=history, rules=rules)
    s = expect(p, expected)
    assert roster(s) == {(1, 0, E), (1, 1, E)}
    assert len(duty(s)) == 2 - expected // 100


# --- succession ------------------------------------------------------------------------------


@pytest.mark.parametrize(("forbidden", "expected"), [([E], 5), ([], 0)])
def test_succession_forbidden_next(forbidden: list[int], expected: int) -> None:
    late = LATE.model_copy(update={"forbidden_next": forbidden})
    kw: dict[str, Any] = {"weights": QUIET, "rules": Rules(min_rest_hours=0)}
    wishes = [ask(1, 0, ON, L, 10), ask(1, 1, ON, E, 5)]
    assert (1, 0, L) in roster(expect(make(2, 1, EARLY, late, requests=wishes, **kw), expected))
    # The ban reaches back into history, and only one way round.
    p = make(2, 1, EARLY, late, requests=[ask(1, 0, ON, E)], history=[past(-1, L)], **kw)
    expect(p, expected * 2)
    expect(make(2, 1, EARLY, late, requests=[ask(1, 0, ON, E), ask(1, 1, ON, L)], **kw), 0)


@pytest.mark.parametrize(
    ("then", "rest_hours", "expected"),
    [(MORNING, 10, 5), (MORNING, 0, 0), (LATE, 10, 5), (LATE, 8, 0), (LATE, 8.5, 5)],
)
def test_succession_min_rest(then: ShiftTypeSpec, rest_hours: float, expected: int) -> None:
    # NIGHT 23:00-07:00, then MORNING 07:00 (0 h rest) or LATE 15:00 (8 h rest).
    wishes = [ask(1, 0, ON, N, 10), ask(1, 1, ON, then.id, 5)]
    p = make(
        2, 1, NIGHT, then, requests=wishes, weights=QUIET, rules=Rules(min_rest_hours=rest_hours)
    )
    assert (1, 0, N) in roster(expect(p, expected))


def test_night_into_a_new_month() -> None:
    jan31, feb1 = 30, 31  # offsets from MON
    coverage = [need(jan31, N, under_weight=50), need(feb1, M, under_weight=40)]
    p = make(2, 1, NIGHT, MORNING, start=at(jan31), coverage=coverage)
    assert roster(expect(p, 40)) == {(1, jan31, N)}  # the night belongs to 31 January
    # From history: the night of 31 January bans the morning of 1 February.
    history = [past(jan31, N)]
    p = make(1, 1, NIGHT, MORNING, start=at(feb1), coverage=[need(feb1, M)], history=history)
    assert roster(expect(p, 100)) == set()


# --- contract --------------------------------------------------------------------------------


def test_max_shifts_per_type() -> None:
    p = make(3, [who(max_shifts_per_type={E: 2})], EARLY, LATE, cover=range(3))
    assert [shift for _, _, shift in roster(expect(p, 100))] == [E, E]


@pytest.mark.parametrize(
    ("contract", "expected"),
    [({}, 0), ({"max_minutes": 959}, 100), ({"max_minutes": 960}, 0), ({"min_minutes": 961}, 10)],
)
def test_min_and_max_minutes(contract: dict[str, Any], expected: int) -> None:
    expect(make(3, [who(**contract)], cover=(0, 1)), expected)  # EARLY is 480 minutes


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], 0),
        ([past(-1)], 100),  # -1..2 would be four days
        ([past(-2), past(-1, None)], 0),
        ([past(-3), past(-2), past(-1)], 100),
        ([past(-4), past(-3), past(-2), past(-1)], 100),  # a run in history only is not judged
        ([past(-3), past(-2), past(-1, None)], 0),
    ],
)
def test_max_consecutive_days_with_history(history: list[HistoryDay], expected: int) -> None:
    s = expect(make(3, [who(max_consecutive_days=3)], cover=range(3), history=history), expected)
    if len(history) >= 3 and history[-1].shift_type_id:
        assert (1, 0, E) not in roster(s)


@pytest.mark.parametrize(
    ("cover", "history", "expected"),
    [
        ((1,), [], 10),  # alone on day 1 is too short: a neighbour day is worked too
        ((0,), [], 0),  # touches the start, nothing known before it
        ((0,), [past(-1, None)], 10),  # known off before it: too short
        ((0,), [past(-1)], 0),  # continues a block from history
        ((3,), [], 0),  # touches the end
    ],
)
def test_min_working_block(cover: Days, history: list[HistoryDay], expected: int) -> None:
    s = expect(make(4, [who(min_consecutive_days=2)], cover=cover, history=history), expected)
    assert {d for _, d, _ in roster(s)} >= set(cover)


@pytest.mark.parametrize(
    ("cover", "history", "off", "expected"),
    [
        ((0, 1, 3), [], (), 10),  # off on day 2 alone is too short: work it too
        ((1, 2, 3), [], (), 0),  # off on day 0 touches the start, nothing known before it
        ((1, 2, 3), [past(-1)], (), 10),
        ((1, 2, 3), [past(-1, None)], (), 0),
        ((0, 1, 2), [], (), 0),  # touches the end
        ((0, 1, 3), [], (2,), 100),  # a fixed day off is a day off: one more day must go
    ],
)
def test_min_off_block(cover: Days, history: list[HistoryDay], off: Days, expected: int) -> None:
    p = make(4, [who(min_consecutive_days_off=2, off=off)], cover=cover, history=history)
    expect(p, expected)


@pytest.mark.parametrize(("most", "expected"), [(0, 200), (1, 100), (2, 0)])
def test_max_weekends_split_across_both_ends(most: int, expected: int) -> None:
    # Sunday 7 January to Saturday 13 January: one day of each of two weekends.
    p = make(7, [who(max_weekends=most)], start=at(6), cover=(6, 12))
    assert len(expect(p, expected).assignments) == 2 - expected // 100


def test_a_whole_weekend_is_one_weekend() -> None:
    p = make(2, [who(max_weekends=1)], start=at(5), cover=(5, 6))  # Saturday and Sunday
    assert len(expect(p, 0).assignments) == 2


# --- days off, locks, hard minimums, requests ------------------------------------------------


def test_fixed_days_off() -> None:
    assert roster(expect(make(3, [who(off=(1, 10))], cover=range(3)), 100)) == {
        (1, 0, E),
        (1, 2, E),
    }


def test_locked_assignments_kept() -> None:
    locked = [put(1, 0, E, screener=True), put(2, 0, L)]
    s = expect(make(1, [who(1, screener=True), who(2)], EARLY, LATE, cover=(0,), locked=locked), 10)
    assert roster(s) == {(1, 0, E), (2, 0, L)}  # LATE needs nobody: 10
    assert duty(s) == {(1, 0)}


def test_hard_min_beats_every_soft_rule() -> None:
    p = make(1, 2, coverage=[need(0, E, 0, hard_min=2)], requests=[ask(1, 0, OFF, w=50)])
    assert roster(expect(p, 70)) == {(1, 0, E), (2, 0, E)}


@pytest.mark.parametrize(("shift", "worked"), [(None, None), (L, {(1, 0, L)})])
def test_on_request(shift: int | None, worked: set[Cell] | None) -> None:
    s = expect(make(1, 1, EARLY, LATE, requests=[ask(1, 0, ON, shift, 15)]), 10)  # over: 10 < 15
    assert len(s.assignments) == 1
    assert worked is None or roster(s) == worked


def test_off_request_whole_day() -> None:
    wishes = [ask(1, 0, OFF, w=50), ask(2, 0, OFF, w=40)]
    assert roster(expect(make(1, 2, cover=(0,), requests=wishes), 40)) == {(2, 0, E)}
    assert roster(expect(make(1, 2, cover=(0,), requests=wishes[:1]), 0)) == {(2, 0, E)}


def test_off_request_one_shift() -> None:
    cover, wish = [need(0, E), need(0, L)], [ask(1, 0, OFF, E, 50)]
    assert roster(expect(make(1, 2, EARLY, LATE, coverage=cover, requests=wish), 0)) == {
        (1, 0, L),
        (2, 0, E),
    }


# --- fairness and minimal change -------------------------------------------------------------


@pytest.mark.parametrize(("before", "expected"), [(0, 0), (1, 0), (2, 20)])
def test_fairness_weekends(before: int, expected: int) -> None:
    history = {2: FairnessCounts(weekends=before)}
    s = expect(make(2, 2, start=at(5), cover=(5, 6), fairness_history=history), expected)
    if before:  # analyst 1 catches up by working the whole weekend
        assert roster(s) == {(1, 5, E), (1, 6, E)}


@pytest.mark.parametrize(("before", "expected"), [(0, 0), (2, 0), (3, 20)])
def test_fairness_nights(before: int, expected: int) -> None:
    cover, history = [need(0, N), need(1, N)], {1: FairnessCounts(nights=before)}
    s = expect(make(2, 2, NIGHT, coverage=cover, fairness_history=history), expected)
    if before:
        assert roster(s) == {(2, 0, N), (2, 1, N)}


def test_fairness_nights_history_without_night_shifts() -> None:
    # The spread is over history + night assignments: with no night shift type to work,
    # the history's spread of 2 remains.
    s = expect(make(1, 2, fairness_history={1: FairnessCounts(nights=2)}), 40)
    assert s.breakdown[Term.FAIRNESS_NIGHTS] == TermCost(count=2, penalty=40)


def test_fairness_screener_days_over_skilled_analysts_only() -> None:
    team = [who(1, screener=True), who(2, screener=True), who(3)]
    history = {1: FairnessCounts(screener_days=2), 3: FairnessCounts(screener_days=9)}
    coverage = [need(d, E, 2, screeners_required=1) for d in (0, 1)]
    assert duty(expect(make(2, team, coverage=coverage, fairness_history=history), 0)) == {
        (2, 0),
        (2, 1),
    }


def test_minimal_change_against_hint() -> None:
    hint = [put(1, 0), put(2, 1), put(3, 2)]
    assert roster(expect(make(3, 3, cover=range(3), hint=hint), 0)) == {
        (1, 0, E),
        (2, 1, E),
        (3, 2, E),
    }
    # Analyst 2 gets day 1 off: one other analyst takes it over, nothing else moves.
    s = expect(make(3, [who(1), who(2, off=(1,)), who(3)], cover=range(3), hint=hint), 60)
    assert s.breakdown[Term.CHANGES] == TermCost(count=2, penalty=60)
    assert {(a, d) for a, d, _ in roster(s) if d != 1} == {(1, 0), (3, 2)}
    assert {a for a, d, _ in roster(s) if d == 1} in ({1}, {3})


def test_minimal_change_moves_only_what_must_move() -> None:
    # Analyst 1 on EARLY, 2 on LATE, 3 in reserve; analyst 1 falls ill on day 2.
    hint = [put(1, d, E) for d in range(4)] + [put(2, d, L) for d in range(4)]
    coverage = [need(d, s) for d in range(4) for s in (E, L)]
    team = [who(1, off=(2,)), who(2), who(3)]
    s = expect(make(4, team, EARLY, LATE, coverage=coverage, hint=hint), 60, brute=False)
    assert roster(s) == {(1, 0, E), (1, 1, E), (3, 2, E), (1, 3, E)} | {(2, d, L) for d in range(4)}


# --- infeasible problems ---------------------------------------------------------------------


def test_unavailable_shift_leaves_the_rest_of_the_day() -> None:
    blocked = who(1).model_copy(update={"unavailable": [Unavailable(date=at(0), shift_type_id=E)]})
    cover = [need(0, E), need(0, L)]
    # Only LATE is open to the analyst: EARLY stays short (100), LATE is worked.
    assert roster(expect(make(1, [blocked], EARLY, LATE, coverage=cover), 100)) == {(1, 0, L)}


def test_locked_on_a_fixed_day_off() -> None:
    (v,) = explained(make(2, [who(off=(1,))], locked=[put(1, 1)]))
    assert (v.rule in {"locked", "day_off"}, v.analyst_id, v.dates) == (True, 1, [at(1)])


def test_hard_min_above_the_team() -> None:
    (v,) = explained(make(2, 2, coverage=[need(1, E, 3, hard_min=3)]))
    assert (v.rule, v.shift_type_id, v.dates, v.amount) == ("hard_min", E, [at(1)], 1)


def test_hard_min_above_the_available_analysts() -> None:
    team = [who(1), who(2, off=(0,)), who(3, off=(0,))]
    explanation = explained(make(1, team, coverage=[need(0, E, 2, hard_min=2)]))
    assert {v.rule for v in explanation} <= {"hard_min", "day_off"}
    assert sum(v.amount for v in explanation) == 1
    assert all(v.dates == [at(0)] for v in explanation)


def test_max_consecutive_days_too_small_for_hard_min() -> None:
    every_day = [need(d, hard_min=1) for d in range(3)]
    (v,) = explained(make(3, [who(max_consecutive_days=2)], coverage=every_day))
    if v.rule == "max_consecutive_days":
        assert (v.analyst_id, v.dates) == (1, [at(0), at(1), at(2)])
    else:
        assert (v.rule, len(v.dates)) == ("hard_min", 1)
        assert v.dates[0] in {at(0), at(1), at(2)}


def test_min_minutes_beyond_the_horizon() -> None:
    (v,) = explained(make(1, [who(min_minutes=600)]))
    assert (v.rule, v.analyst_id, v.amount) == ("min_minutes", 1, 120)


def test_locked_screener_without_the_skill() -> None:
    (v,) = explained(make(1, 1, locked=[put(1, 0, screener=True)]))
    assert (v.rule, v.analyst_id, v.dates) == ("screener_skill", 1, [at(0)])


def test_locked_night_then_morning() -> None:
    (v,) = explained(make(2, 1, NIGHT, MORNING, locked=[put(1, 0, N), put(1, 1, M)]))
    assert v.analyst_id == 1
    assert (v.rule, v.dates) in [
        ("succession", [at(0), at(1)]),
        ("locked", [at(0)]),
        ("locked", [at(1)]),
    ]


@pytest.mark.parametrize(
    ("name", "locked", "limits", "shift_names"),
    [
        ("Alice", [put(1, 1)], {"off": (1,)}, {"EARLY"}),  # locked, or off
        ("Bob", [put(1, 0, N), put(1, 1, M)], {}, {"NIGHT", "MORNING"}),
        ("Chloe", [put(1, 0, screener=True)], {}, {"EARLY"}),
        ("Dev", [], {"min_minutes": 1000}, set()),
    ],
)
def test_an_explanation_names_analysts_and_shift_types_not_their_ids(
    name: str, locked: list[Assignment], limits: dict[str, Any], shift_names: set[str]
) -> None:
    person = who(1, **limits).model_copy(update={"name": name})
    shifts = (NIGHT, MORNING) if any(a.shift_type_id == N for a in locked) else (EARLY,)
    explanation = explained(make(2, [person], *shifts, locked=locked))
    for violation in explanation:
        assert "analyst 1" not in violation.message, violation
        assert "shift type" not in violation.message, violation
        assert violation.analyst_id == 1  # the id stays, as data
        assert name in violation.message, violation
        if violation.shift_type_id is not None:
            assert any(shift in violation.message for shift in shift_names), violation
