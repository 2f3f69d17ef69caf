"""The checker's limits that are hard unless weighted, and the skill rules, against
hand-computed answers (docs/scheduling-rules.md, "Limits, hard or weighted"), then
against the INRC-II scorer's border rules on every small roster."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from bench.solver import inrc2
from shiftplanner.scheduling.checker import Report, check
from shiftplanner.scheduling.problem import (
    AnalystSpec,
    Assignment,
    Contract,
    ContractCounts,
    Coverage,
    HistoryDay,
    Problem,
    Rules,
    ShiftTypeSpec,
    SkillCover,
    Weights,
)
from shiftplanner.scheduling.solution import Term, TermCost
from tests.scheduling.test_checker import (
    EARLY,
    LATE,
    MONDAY,
    SHIFTS,
    day,
    days,
    make,
    only,
    rules,
    who,
    work,
)

ZERO = TermCost(count=0, penalty=0)
NO_REST = Rules(min_rest_hours=0)  # successions aside: late then early is allowed


def units(report: Report, term: Term) -> int:
    return report.breakdown[term].count


def past(aid: int, worked: dict[int, int | None]) -> dict[int, list[HistoryDay]]:
    """past(1, {1: EARLY, 2: None}): worked early the day before start, off the day before."""
    return {aid: [HistoryDay(date=day(-i), shift_type_id=s) for i, s in worked.items()]}


def shifts_with(shift_id: int, **bounds: int) -> list[ShiftTypeSpec]:
    return [s.model_copy(update=bounds) if s.id == shift_id else s for s in SHIFTS]


# --- consecutive working days --------------------------------------------------------


def test_a_weighted_most_is_a_term_not_a_break() -> None:
    contract = Contract(max_consecutive_days=3)
    hard = check(make(who(contract)), work(0, 1, 2, 3, 4))
    assert only(hard, "max_consecutive_days").amount == 2
    assert hard.breakdown[Term.CONSECUTIVE_DAYS] == ZERO  # hard: no term
    soft = check(make(who(contract), weights=Weights(consecutive_days=30)), work(0, 1, 2, 3, 4))
    assert soft.feasible
    assert soft.breakdown[Term.CONSECUTIVE_DAYS] == TermCost(count=2, penalty=60)
    assert soft.objective == 60 + 5 * 10  # and five shifts over a cover of 0
    off = check(make(who(contract), weights=Weights(consecutive_days=0)), work(0, 1, 2, 3, 4))
    assert (off.breakdown[Term.CONSECUTIVE_DAYS], off.feasible) == (
        TermCost(count=2, penalty=0),
        True,
    )


def test_a_history_run_already_beyond_the_most_is_not_charged_again() -> None:
    contract = Contract(max_consecutive_days=3)
    beyond = past(1, {1: EARLY, 2: EARLY, 3: EARLY, 4: EARLY, 5: EARLY, 6: None})
    # seven days in a row, five of them in history: hard counts them all ...
    v = only(check(make(who(contract), history=beyond), work(0, 1)), "max_consecutive_days")
    assert (v.dates, v.amount) == (days(-5, -4, -3, -2, -1, 0, 1), 4)
    # ... weighted charges what the horizon adds: (7 - 3) - (5 - 3)
    soft = make(who(contract), history=beyond, weights=Weights(consecutive_days=1))
    assert units(check(soft, work(0, 1)), Term.CONSECUTIVE_DAYS) == 2
    assert units(check(soft, work(1, 2)), Term.CONSECUTIVE_DAYS) == 0  # broken on the first day
    # below the most in history: every day beyond it counts, (5 - 3) - 0
    short = past(1, {1: EARLY, 2: EARLY, 3: None})
    soft = make(who(contract), history=short, weights=Weights(consecutive_days=1))
    assert units(check(soft, work(0, 1, 2)), Term.CONSECUTIVE_DAYS) == 2
    # an unknown day before the history: the most still judges the known length
    unknown = past(1, {1: EARLY, 2: EARLY})
    soft = make(who(contract), history=unknown, weights=Weights(consecutive_days=1))
    assert units(check(soft, work(0, 1, 2)), Term.CONSECUTIVE_DAYS) == 2


def test_a_weighted_least_on_runs_inside_and_at_the_borders() -> None:
    contract = Contract(min_consecutive_days=3)
    soft = make(who(contract), weights=Weights(consecutive_days=5))
    # day 3 alone: 2 short; days 0-1 reach the unknown, day 6 the end
    report = check(soft, work(0, 1, 3, 6))
    assert report.breakdown[Term.CONSECUTIVE_DAYS] == TermCost(count=2, penalty=10)
    assert report.feasible
    v = only(check(make(who(contract)), work(0, 1, 3, 6)), "min_consecutive_days")
    assert (v.dates, v.amount) == ([day(3)], 2)


def test_a_run_broken_on_the_first_day_is_short_only_when_weighted() -> None:
    contract = Contract(min_consecutive_days=3)
    known = past(1, {1: EARLY, 2: None})  # one day worked, the day before off
    assert check(make(who(contract), history=known), work(2, 3, 4)).feasible
    soft = make(who(contract), history=known, weights=Weights(consecutive_days=1))
    assert units(check(soft, work(2, 3, 4)), Term.CONSECUTIVE_DAYS) == 2
    # its start unknown: its length is unknown, so it is not judged
    open_start = make(who(contract), history=past(1, {1: EARLY}), weights=soft.weights)
    assert units(check(open_start, work(2, 3, 4)), Term.CONSECUTIVE_DAYS) == 0
    # broken earlier than the first day: history alone, not judged
    earlier = make(
        who(contract), history=past(1, {1: None, 2: EARLY, 3: None}), weights=soft.weights
    )
    assert units(check(earlier, work(2, 3, 4)), Term.CONSECUTIVE_DAYS) == 0
    # carried into the horizon: judged on its whole length, 3 - (1 + 1)
    assert units(check(soft, work(0, 2, 3, 4)), Term.CONSECUTIVE_DAYS) == 1


# --- consecutive days off ------------------------------------------------------------


def test_max_consecutive_days_off() -> None:
    contract = Contract(max_consecutive_days_off=3)
    v = only(check(make(who(contract)), work(0, 6)), "max_consecutive_days_off")
    assert (v.analyst_id, v.dates, v.amount) == (1, days(1, 2, 3, 4, 5), 2)
    # off at the end is judged too; off at the start counts its known days only
    v = only(check(make(who(contract)), work(0, 1)), "max_consecutive_days_off")
    assert v.dates == days(2, 3, 4, 5, 6)
    assert check(make(who(contract)), work(3, 4, 5, 6)).feasible
    soft = make(who(contract), weights=Weights(consecutive_days_off=30))
    report = check(soft, work(0, 6))
    assert (report.feasible, report.breakdown[Term.CONSECUTIVE_DAYS_OFF]) == (
        True,
        TermCost(count=2, penalty=60),
    )


def test_days_off_carried_from_history() -> None:
    contract = Contract(max_consecutive_days_off=3)
    four_off = past(1, {1: None, 2: None, 3: None, 4: None, 5: EARLY})
    # five days off in a row (-4 .. 0), four of them known from history
    v = only(
        check(make(who(contract), history=four_off), work(1, 2, 3)), "max_consecutive_days_off"
    )
    assert (v.dates, v.amount) == (days(-4, -3, -2, -1, 0), 2)
    soft = make(who(contract), history=four_off, weights=Weights(consecutive_days_off=1))
    assert units(check(soft, work(1, 2, 3)), Term.CONSECUTIVE_DAYS_OFF) == 1  # (5-3) - (4-3)
    assert units(check(soft, work(0, 1, 2, 3)), Term.CONSECUTIVE_DAYS_OFF) == 0
    # a least: one known day off before a worked first day
    least = Contract(min_consecutive_days_off=2)
    one_off = past(1, {1: None, 2: EARLY})
    assert check(make(who(least), history=one_off), work(0, 1, 2)).feasible
    soft = make(who(least), history=one_off, weights=Weights(consecutive_days_off=1))
    assert units(check(soft, work(0, 1, 2)), Term.CONSECUTIVE_DAYS_OFF) == 1
    # a fixed day off is a day off: day 3 alone is one short, hard or weighted
    fixed = make(who(least, days_off=[day(3)]), weights=Weights(consecutive_days_off=1))
    assert units(check(fixed, work(0, 1, 2, 4, 5, 6)), Term.CONSECUTIVE_DAYS_OFF) == 1


# --- consecutive days on one shift type ----------------------------------------------


def test_max_consecutive_shift_type() -> None:
    p = make(shift_types=shifts_with(LATE, max_consecutive=2), rules=NO_REST)
    v = only(check(p, work(0, 1, 2, shift=LATE)), "max_consecutive_shift_type")
    assert (v.analyst_id, v.shift_type_id, v.dates, v.amount) == (1, LATE, days(0, 1, 2), 1)
    # another shift type between breaks the run
    assert check(p, work(0, 1, 3, 4, shift=LATE) + work(2)).feasible
    soft = p.model_copy(update={"weights": Weights(consecutive_shift_type=15)})
    report = check(soft, work(0, 1, 2, 3, shift=LATE) + work(5, 6))
    assert report.feasible
    assert report.breakdown[Term.CONSECUTIVE_SHIFT_TYPE] == TermCost(count=2, penalty=30)


def test_min_consecutive_shift_type() -> None:
    p = make(shift_types=shifts_with(EARLY, min_consecutive=2), rules=NO_REST)
    # early on day 3 alone between lates; early on 0 reaches the unknown
    roster = work(0) + work(1, 2, shift=LATE) + work(3) + work(4, 5, 6, shift=LATE)
    v = only(check(p, roster), "min_consecutive_shift_type")
    assert (v.shift_type_id, v.dates, v.amount) == (EARLY, [day(3)], 1)
    soft = p.model_copy(update={"weights": Weights(consecutive_shift_type=15)})
    assert check(soft, roster).breakdown[Term.CONSECUTIVE_SHIFT_TYPE] == TermCost(
        count=1, penalty=15
    )


def test_shift_type_runs_carried_from_history() -> None:
    late_most = shifts_with(LATE, max_consecutive=2)
    # late -3 .. -1 after a day off: 3 + 1 days, hard 2 beyond; weighted (4-2) - (3-2)
    three_late = past(1, {1: LATE, 2: LATE, 3: LATE, 4: None})
    p = make(shift_types=late_most, history=three_late)
    v = only(check(p, work(0, shift=LATE)), "max_consecutive_shift_type")
    assert (v.dates, v.amount) == (days(-3, -2, -1, 0), 2)
    soft = p.model_copy(update={"weights": Weights(consecutive_shift_type=1)})
    assert units(check(soft, work(0, shift=LATE)), Term.CONSECUTIVE_SHIFT_TYPE) == 1
    # early on the day before the lates ends their run: only -2 .. 0 is late
    early_first = past(1, {1: LATE, 2: LATE, 3: EARLY})
    soft = make(
        shift_types=late_most, history=early_first, weights=Weights(consecutive_shift_type=1)
    )
    assert units(check(soft, work(0, shift=LATE)), Term.CONSECUTIVE_SHIFT_TYPE) == 1
    # a least broken on the first day: one early after a late, then late
    early_least = shifts_with(EARLY, min_consecutive=2)
    one_early = past(1, {1: EARLY, 2: LATE})
    p = make(shift_types=early_least, history=one_early, rules=NO_REST)
    assert check(p, work(0, shift=LATE)).feasible
    soft = p.model_copy(update={"weights": Weights(consecutive_shift_type=1)})
    assert units(check(soft, work(0, shift=LATE)), Term.CONSECUTIVE_SHIFT_TYPE) == 1
    assert units(check(soft, work(0)), Term.CONSECUTIVE_SHIFT_TYPE) == 0  # carried on


def test_every_shift_type_adds_to_one_term() -> None:
    both = [
        SHIFTS[0].model_copy(update={"max_consecutive": 1}),
        SHIFTS[1].model_copy(update={"max_consecutive": 1}),
        SHIFTS[2],
    ]
    p = make(shift_types=both, weights=Weights(consecutive_shift_type=2))
    report = check(p, work(0, 1) + work(3, 4, 5, shift=LATE))
    assert report.breakdown[Term.CONSECUTIVE_SHIFT_TYPE] == TermCost(count=3, penalty=6)


# --- assignments and weekends ---------------------------------------------------------


def test_assignments_with_contract_history() -> None:
    contract = Contract(min_assignments=3, max_assignments=4)
    before = {1: ContractCounts(assignments=2)}
    p = make(who(contract), contract_history=before)
    assert check(p, work(0)).feasible  # 1 + 2
    assert check(p, work(0, 3)).feasible  # 2 + 2
    v = only(check(p, []), "min_assignments")
    assert (v.analyst_id, v.dates, v.amount) == (1, [], 1)
    v = only(check(p, work(0, 2, 4)), "max_assignments")
    assert (v.dates, v.amount) == (days(0, 2, 4), 1)
    soft = p.model_copy(update={"weights": Weights(assignments=20)})
    assert check(soft, []).breakdown[Term.ASSIGNMENTS] == TermCost(count=1, penalty=20)
    report = check(soft, work(0, 1, 2, 3, 4))
    assert (report.feasible, report.breakdown[Term.ASSIGNMENTS]) == (
        True,
        TermCost(count=3, penalty=60),
    )
    # history alone beyond the most: no roster keeps it
    full = make(who(contract), contract_history={1: ContractCounts(assignments=6)})
    assert only(check(full, []), "max_assignments").amount == 2


def test_max_weekends_adds_contract_history() -> None:
    contract = Contract(max_weekends=1)
    p = make(who(contract), length=14, contract_history={1: ContractCounts(weekends=1)})
    assert check(p, work(0, 1, 2)).feasible
    v = only(check(p, work(6)), "max_weekends")
    assert (v.dates, v.amount) == ([day(6)], 1)
    v = only(check(p, work(5, 6, 12)), "max_weekends")
    assert (v.dates, v.amount) == (days(5, 6, 12), 2)
    soft = p.model_copy(update={"weights": Weights(weekends=30)})
    report = check(soft, work(5, 6, 12))
    assert (report.feasible, report.breakdown[Term.WEEKENDS]) == (
        True,
        TermCost(count=2, penalty=60),
    )
    over = make(who(contract), contract_history={1: ContractCounts(weekends=3)})
    assert only(check(over, []), "max_weekends").amount == 2


def test_complete_weekends() -> None:
    complete = Contract(complete_weekends=True)
    p = make(who(complete), length=14)
    assert check(p, work(5, 6, 12, 13)).feasible
    v = only(check(p, work(5)), "complete_weekends")
    assert (v.analyst_id, v.dates, v.amount) == (1, days(5, 6), 1)
    assert "2024-01-06" in v.message
    assert rules(check(p, work(6, 12))) == ["complete_weekends"] * 2
    soft = p.model_copy(update={"weights": Weights(complete_weekends=30)})
    report = check(soft, work(6, 12, 13))
    assert (report.feasible, report.breakdown[Term.COMPLETE_WEEKENDS]) == (
        True,
        TermCost(count=1, penalty=30),
    )
    assert check(make(who(Contract()), length=14), work(5)).feasible  # not asked for


def test_complete_weekends_at_the_borders() -> None:
    complete = Contract(complete_weekends=True)

    def sunday_to_saturday(known: dict[int, int | None]) -> Problem:
        # Sunday 2024-01-07 to Saturday 2024-01-13; history counts back from the Sunday
        return Problem(
            start=day(6),
            end=day(12),
            shift_types=SHIFTS,
            analysts=who(complete),
            history={1: [HistoryDay(date=day(6 - i), shift_type_id=s) for i, s in known.items()]},
            weights=Weights(complete_weekends=1),
        )

    # the Saturday before start unknown: the first weekend is not judged; the last
    # weekend's Sunday lies after the end: not judged either
    assert units(check(sunday_to_saturday({}), work(6, 12)), Term.COMPLETE_WEEKENDS) == 0
    # a worked history Saturday and an idle Sunday make an incomplete weekend
    worked_saturday = sunday_to_saturday({1: EARLY})
    assert units(check(worked_saturday, []), Term.COMPLETE_WEEKENDS) == 1
    assert units(check(worked_saturday, work(6)), Term.COMPLETE_WEEKENDS) == 0
    idle_saturday = sunday_to_saturday({1: None})
    assert units(check(idle_saturday, work(6)), Term.COMPLETE_WEEKENDS) == 1
    assert units(check(idle_saturday, []), Term.COMPLETE_WEEKENDS) == 0
    hard = sunday_to_saturday({1: EARLY}).model_copy(update={"weights": Weights()})
    v = only(check(hard, []), "complete_weekends")
    assert v.dates == days(5, 6)


# --- skills ---------------------------------------------------------------------------


def covered(aid: int, when: int, skill: str | None, shift: int = EARLY) -> Assignment:
    return Assignment(analyst_id=aid, date=day(when), shift_type_id=shift, skill=skill)


def test_skill() -> None:
    p = make(who(skills=["triage"]) + who(aid=2))
    assert check(p, [covered(1, 0, "triage"), covered(2, 0, None)]).feasible
    v = only(check(p, [covered(2, 1, "triage", shift=LATE)]), "skill")
    assert (v.analyst_id, v.shift_type_id, v.dates) == (2, LATE, [day(1)])


def test_skill_min_and_skill_short() -> None:
    needs = [
        SkillCover(skill="triage", minimum=1, optimal=2),
        SkillCover(skill="forensics", optimal=1, under_weight=7),
    ]
    analysts = [AnalystSpec(id=i, skills=["triage", "forensics"]) for i in (1, 2, 3)]
    p = make(
        analysts, coverage=[Coverage(date=day(0), shift_type_id=EARLY, required=3, skills=needs)]
    )
    # an untagged assignment covers no skill; one on another shift type covers nothing here
    report = check(
        p, [covered(1, 0, None), covered(2, 0, None), covered(3, 0, "triage", shift=LATE)]
    )
    v = only(report, "skill_min")
    assert (v.analyst_id, v.shift_type_id, v.dates, v.amount) == (None, EARLY, [day(0)], 1)
    assert "triage" in v.message
    assert report.breakdown[Term.SKILL_SHORT] == TermCost(count=3, penalty=2 * 100 + 7)
    report = check(p, [covered(1, 0, "triage"), covered(2, 0, "forensics"), covered(3, 0, None)])
    assert report.feasible
    assert report.breakdown[Term.SKILL_SHORT] == TermCost(count=1, penalty=100)
    full = [covered(1, 0, "triage"), covered(2, 0, "triage"), covered(3, 0, "forensics")]
    assert check(p, full).breakdown[Term.SKILL_SHORT] == ZERO
    cheap = p.model_copy(update={"weights": Weights(skill_short=3)})
    assert check(cheap, []).breakdown[Term.SKILL_SHORT] == TermCost(count=3, penalty=2 * 3 + 7)


def test_a_skill_covered_without_having_it_still_covers() -> None:
    need = SkillCover(skill="triage", minimum=1, optimal=1)
    p = make(coverage=[Coverage(date=day(0), shift_type_id=EARLY, required=1, skills=[need])])
    report = check(p, [covered(1, 0, "triage")])
    assert rules(report) == ["skill"]
    assert report.breakdown[Term.SKILL_SHORT] == ZERO


# --- every term, and the competition's scorer as a second opinion ----------------------


def test_hard_limits_report_zero_terms() -> None:
    contract = Contract(
        max_consecutive_days=1,
        max_consecutive_days_off=1,
        max_assignments=1,
        max_weekends=0,
        complete_weekends=True,
    )
    p = make(
        who(contract),
        shift_types=shifts_with(EARLY, max_consecutive=1),
        weights=Weights(over_cover=0),
    )
    report = check(p, work(3, 4, 5))
    assert set(report.breakdown) == set(Term)
    assert set(rules(report)) == {
        "max_consecutive_days",
        "max_consecutive_days_off",
        "max_consecutive_shift_type",
        "max_assignments",
        "max_weekends",
        "complete_weekends",
    }
    assert report.objective == 0
    soft = p.model_copy(
        update={
            "weights": Weights(
                over_cover=0,
                consecutive_days=1,
                consecutive_days_off=1,
                consecutive_shift_type=1,
                assignments=1,
                weekends=1,
                complete_weekends=1,
            )
        }
    )
    report = check(soft, work(3, 4, 5))
    assert report.feasible
    # days 3-5 worked: 2 beyond for days and for early; days 0-2 off: 2 beyond;
    # 2 assignments beyond; 1 weekend beyond; Sunday 7 January idle
    limits = [Term.CONSECUTIVE_DAYS, Term.CONSECUTIVE_DAYS_OFF, Term.CONSECUTIVE_SHIFT_TYPE]
    limits += [Term.ASSIGNMENTS, Term.WEEKENDS, Term.COMPLETE_WEEKENDS]
    assert [units(report, term) for term in limits] == [2, 2, 2, 2, 1, 1]
    assert report.objective == 10


def test_without_history_hard_breaks_add_up_to_the_weighted_units() -> None:
    contract = Contract(
        min_consecutive_days=2,
        max_consecutive_days=3,
        min_consecutive_days_off=2,
        max_consecutive_days_off=2,
    )
    hard = make(who(contract), shift_types=shifts_with(EARLY, min_consecutive=2, max_consecutive=2))
    soft = hard.model_copy(
        update={
            "weights": Weights(consecutive_days=1, consecutive_days_off=1, consecutive_shift_type=1)
        }
    )
    terms = {
        Term.CONSECUTIVE_DAYS: "consecutive_days",
        Term.CONSECUTIVE_DAYS_OFF: "consecutive_days_off",
        Term.CONSECUTIVE_SHIFT_TYPE: "consecutive_shift_type",
    }
    for pattern in product((None, EARLY, LATE), repeat=7):
        roster = [a for i, shift in enumerate(pattern) if shift for a in work(i, shift=shift)]
        breaks = check(hard, roster).violations
        weighted = check(soft, roster)
        for term, rule in terms.items():
            amounts = [v.amount for v in breaks if v.rule in (f"max_{rule}", f"min_{rule}")]
            assert sum(amounts) == units(weighted, term), (pattern, term)


def inrc_history(last: int | None, same: int, worked: int, off: int) -> list[HistoryDay]:
    """INRC-II's border counters as known history days: the `same` days on `last` (the
    rest of the `worked` days on the other shift type), or `off` days off, and the day
    before them in the other state (the counters are exact)."""
    other = LATE if last == EARLY else EARLY
    if worked:
        states = [last] * same + [other] * (worked - same) + [None]
    else:
        states = [None] * off + [EARLY]
    return [HistoryDay(date=day(-1 - i), shift_type_id=s) for i, s in enumerate(states)]


BORDERS = [  # (last shift, days on it, days worked, days off)
    (None, 0, 0, 1),
    (None, 0, 0, 3),
    (EARLY, 1, 1, 0),
    (EARLY, 1, 3, 0),
    (LATE, 2, 2, 0),
    (LATE, 4, 5, 0),
]


@pytest.mark.parametrize("border", BORDERS)
def test_weighted_runs_cost_what_the_inrc2_scorer_charges(
    border: tuple[int | None, int, int, int],
) -> None:
    last, same, worked_before, off_before = border
    work_bounds, off_bounds = (2, 4), (2, 3)
    shift_bounds = {EARLY: (2, 3), LATE: (1, 2)}
    shift_types = [
        s.model_copy(update={"min_consecutive": low, "max_consecutive": high})
        for s in SHIFTS
        for low, high in [shift_bounds.get(s.id, (None, None))]
    ]
    contract = Contract(
        min_consecutive_days=work_bounds[0],
        max_consecutive_days=work_bounds[1],
        min_consecutive_days_off=off_bounds[0],
        max_consecutive_days_off=off_bounds[1],
    )
    p = Problem(
        start=MONDAY,
        end=day(5),
        shift_types=shift_types,
        analysts=who(contract),
        history={1: inrc_history(last, same, worked_before, off_before)},
        weights=Weights(consecutive_days=1, consecutive_days_off=1, consecutive_shift_type=1),
    )
    for pattern in product((None, EARLY, LATE), repeat=6):
        roster = [a for i, shift in enumerate(pattern) if shift for a in work(i, shift=shift)]
        report = check(p, roster)
        worked = [shift is not None for shift in pattern]
        expected_work = inrc2.run_costs(inrc2.runs_of(worked, worked_before), work_bounds, 1)
        expected_off = inrc2.run_costs(
            inrc2.runs_of([not w for w in worked], off_before), off_bounds, 1
        )
        expected_shift = sum(
            inrc2.run_costs(
                inrc2.runs_of([s == shift_id for s in pattern], same if last == shift_id else 0),
                bounds,
                1,
            )
            for shift_id, bounds in shift_bounds.items()
        )
        found = [
            units(report, Term.CONSECUTIVE_DAYS),
            units(report, Term.CONSECUTIVE_DAYS_OFF),
            units(report, Term.CONSECUTIVE_SHIFT_TYPE),
        ]
        assert found == [expected_work, expected_off, expected_shift], pattern


def test_weekends_and_assignments_cost_what_the_inrc2_scorer_charges() -> None:
    # two weeks from a Monday: INRC-II's weekends are whole inside its horizon
    contract = Contract(
        min_assignments=4, max_assignments=6, max_weekends=1, complete_weekends=True
    )
    before = {1: ContractCounts(assignments=2, weekends=1)}
    p = make(
        who(contract),
        length=14,
        contract_history=before,
        weights=Weights(assignments=1, weekends=1, complete_weekends=1),
    )
    inrc_contract = inrc2.Contract("c", (4, 6), (1, 14), (1, 14), 1, True)
    nurse = inrc2.Nurse("n", "c", frozenset())
    shift = {"E": (1, 14)}, {"E": frozenset[str]()}
    scenario = inrc2.Scenario("s", 2, (), *shift, {"c": inrc_contract}, (nurse,))
    border = {"n": inrc2.NurseHistory(2, 1, None, 0, 0, 1)}
    instance = inrc2.Instance("i", scenario, border, (inrc2.Week({}, ()),) * 2)
    for mask in range(0, 1 << 14, 37):
        on = [i for i in range(14) if mask >> i & 1]
        report = check(p, work(*on))
        scored = inrc2.score(instance, [inrc2.Assignment("n", i, "E", "") for i in on])
        assert (
            units(report, Term.ASSIGNMENTS) * inrc2.WEIGHT_TOTAL_ASSIGNMENTS
            == scored.soft["total assignments"]
        )
        assert (
            units(report, Term.WEEKENDS) * inrc2.WEIGHT_WORKED_WEEKENDS
            == scored.soft["max working weekend"]
        )
        assert (
            units(report, Term.COMPLETE_WEEKENDS) * inrc2.WEIGHT_COMPLETE_WEEKEND
            == scored.soft["complete weekends"]
        )


def test_the_horizon_may_be_a_year() -> None:
    contract = Contract(max_consecutive_days=5, min_consecutive_days_off=2)
    p = Problem(
        start=date(2024, 1, 1),
        end=date(2024, 12, 31),
        shift_types=SHIFTS,
        analysts=who(contract),
        weights=Weights(consecutive_days=1),
    )
    every_weekday = [d for d in range(366) if day(d).weekday() < 5]
    report = check(p, work(*every_weekday))
    assert report.feasible
    assert units(report, Term.CONSECUTIVE_DAYS) == 0
    assert units(check(p, work(*range(366))), Term.CONSECUTIVE_DAYS) == 366 - 5
