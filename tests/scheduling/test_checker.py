"""The roster checker against hand-computed answers (docs/scheduling-rules.md)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from shiftplanner.scheduling.checker import Report, check
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
from shiftplanner.scheduling.solution import Term, TermCost, Violation

MONDAY = date(2024, 1, 1)
EARLY, LATE, NIGHT = 1, 2, 3
SHIFTS = [
    ShiftTypeSpec(id=EARLY, start=time(6), minutes=480),  # 06:00-14:00
    ShiftTypeSpec(id=LATE, start=time(14), minutes=480),  # 14:00-22:00
    ShiftTypeSpec(id=NIGHT, start=time(22), minutes=600, is_night=True),  # 22:00-08:00
]


def day(i: int) -> date:
    return MONDAY + timedelta(days=i)


def days(*offsets: int) -> list[date]:
    return [day(i) for i in offsets]


def make(analysts: list[AnalystSpec] | None = None, *, length: int = 7, **kw: Any) -> Problem:
    """Monday 2024-01-01 plus `length - 1` days, one plain analyst 1 unless given."""
    kw.setdefault("shift_types", SHIFTS)
    return Problem(
        start=MONDAY, end=day(length - 1), analysts=analysts or [AnalystSpec(id=1)], **kw
    )


def who(contract: Contract | None = None, aid: int = 1, **kw: Any) -> list[AnalystSpec]:
    return [AnalystSpec(id=aid, contract=contract or Contract(), **kw)]


def work(
    *offsets: int, shift: int = EARLY, aid: int = 1, screener: bool = False
) -> list[Assignment]:
    return [
        Assignment(analyst_id=aid, date=day(i), shift_type_id=shift, is_screener=screener)
        for i in offsets
    ]


def history(aid: int, **offsets: int | None) -> dict[int, list[HistoryDay]]:
    """history(1, m1=EARLY, m2=None): analyst 1 worked early the day before start, off the day before."""
    return {aid: [HistoryDay(date=day(-int(k[1:])), shift_type_id=v) for k, v in offsets.items()]}


def rules(report: Report) -> list[str]:
    return [v.rule for v in report.violations]


def only(report: Report, rule: str) -> Violation:
    assert rules(report) == [rule], report.violations
    (violation,) = report.violations
    assert str(violation.analyst_id) in violation.message or violation.analyst_id is None
    return violation


# --- hard rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aid", "when", "shift"), [(9, day(0), EARLY), (1, day(0), 9), (1, day(7), EARLY)]
)
def test_unknown_reference(aid: int, when: date, shift: int) -> None:
    bad = Assignment(analyst_id=aid, date=when, shift_type_id=shift)
    v = only(check(make(), [bad]), "unknown_reference")
    assert (v.analyst_id, v.shift_type_id, v.dates) == (aid, shift, [when])
    assert check(make(), work(0)).feasible


def test_one_shift_per_day() -> None:
    v = only(check(make(), work(0) + work(0, shift=LATE)), "one_shift_per_day")
    assert (v.analyst_id, v.dates, v.amount) == (1, [day(0)], 1)
    two = make(who() + who(aid=2))
    assert check(two, work(0) + work(0, aid=2)).feasible


def test_day_off() -> None:
    p = make(who(days_off=[day(2)]))
    v = only(check(p, work(2, shift=LATE)), "day_off")
    assert (v.analyst_id, v.shift_type_id, v.dates, v.amount) == (1, LATE, [day(2)], 1)
    assert "2024-01-03" in v.message
    assert check(p, work(1, 3)).feasible


def test_unavailable_shift() -> None:
    p = make(who(unavailable=[Unavailable(date=day(2), shift_type_id=LATE)]))
    v = only(check(p, work(2, shift=LATE)), "day_off")
    assert (v.analyst_id, v.shift_type_id, v.dates) == (1, LATE, [day(2)])
    assert check(p, work(2)).feasible  # the rest of the day is free


def test_succession_rest() -> None:
    # late ends 22:00, early starts 06:00: 1440 + 360 - 1320 = 480 minutes < 600
    v = only(check(make(), work(0, shift=LATE) + work(1)), "succession")
    assert (v.analyst_id, v.shift_type_id, v.dates, v.amount) == (1, EARLY, days(0, 1), 120)
    assert check(make(), work(0) + work(1, shift=LATE)).feasible  # early then late
    relaxed = make(rules=Rules(min_rest_hours=8))  # 480 >= 480
    assert check(relaxed, work(0, shift=LATE) + work(1)).feasible


def test_succession_forbidden_next() -> None:
    shifts = [SHIFTS[0].model_copy(update={"forbidden_next": [LATE]}), *SHIFTS[1:]]
    p = make(shift_types=shifts)
    v = only(check(p, work(3) + work(4, shift=LATE)), "succession")
    assert (v.shift_type_id, v.dates, v.amount) == (LATE, days(3, 4), 1)
    assert check(p, work(3) + work(5, shift=LATE)).feasible


def test_succession_from_the_last_history_day() -> None:
    p = make(history=history(1, m2=None, m1=LATE))
    v = only(check(p, work(0)), "succession")
    assert (v.dates, v.amount) == ([day(-1), day(0)], 120)
    assert check(p, work(0, shift=LATE)).feasible
    # the last known day is two days before start: no succession to judge
    assert check(make(history=history(1, m2=LATE)), work(0)).feasible


def test_night_crossing_into_a_new_month() -> None:
    p = Problem(start=date(2024, 1, 30), end=date(2024, 2, 2), shift_types=SHIFTS, analysts=who())
    night = Assignment(analyst_id=1, date=date(2024, 1, 31), shift_type_id=NIGHT)
    early = Assignment(analyst_id=1, date=date(2024, 2, 1), shift_type_id=EARLY)
    v = only(check(p, [night, early]), "succession")
    # the night ends 08:00 on 1 February: 1440 + 360 - 1920 = -120 minutes of rest
    assert (v.dates, v.amount) == ([date(2024, 1, 31), date(2024, 2, 1)], 720)
    night_again = early.model_copy(update={"shift_type_id": NIGHT})  # 840 minutes
    report = check(p, [night, night_again])
    assert report.feasible
    assert report.breakdown[Term.FAIRNESS_NIGHTS] == TermCost(count=0, penalty=0)


def test_max_shifts_per_type() -> None:
    p = make(who(Contract(max_shifts_per_type={EARLY: 2})))
    v = only(check(p, work(0, 2, 4)), "max_shifts_per_type")
    assert (v.shift_type_id, v.dates, v.amount) == (EARLY, days(0, 2, 4), 1)
    assert check(p, work(0, 2) + work(4, shift=LATE)).feasible


def test_min_and_max_minutes() -> None:
    p = make(who(Contract(min_minutes=1000, max_minutes=1500)))
    v = only(check(p, work(0, 1)), "min_minutes")  # 960 minutes
    assert (v.analyst_id, v.amount) == (1, 40)
    v = only(check(p, work(0, 1) + work(3, shift=NIGHT)), "max_minutes")  # 1560 minutes
    assert (v.dates, v.amount) == (days(0, 1, 3), 60)
    assert check(p, work(0, 1, 3)).feasible  # 1440 minutes
    assert rules(check(p, [])) == ["min_minutes"]


def test_max_consecutive_days() -> None:
    p = make(who(Contract(max_consecutive_days=3)))
    v = only(check(p, work(0, 1, 2, 3)), "max_consecutive_days")
    assert (v.dates, v.amount) == (days(0, 1, 2, 3), 1)
    assert check(p, work(0, 1, 2, 4, 5, 6)).feasible


def test_max_consecutive_days_continuing_from_history() -> None:
    contract = Contract(max_consecutive_days=3)
    p = make(who(contract), history=history(1, m3=None, m2=EARLY, m1=EARLY))
    v = only(check(p, work(0, 1)), "max_consecutive_days")
    assert (v.dates, v.amount) == (days(-2, -1, 0, 1), 1)
    assert check(p, work(0, 2)).feasible
    # a run entirely in history is not judged
    long_past = {1: [HistoryDay(date=day(-i), shift_type_id=EARLY) for i in range(1, 6)]}
    assert check(make(who(contract), history=long_past), work(1, 2)).feasible


def test_min_consecutive_days() -> None:
    p = make(who(Contract(min_consecutive_days=2)))
    v = only(check(p, work(0, 1, 3)), "min_consecutive_days")
    assert (v.dates, v.amount) == ([day(3)], 1)
    assert check(p, work(0, 1, 3, 4)).feasible
    assert check(p, work(0, 1, 6)).feasible  # a short block at the end is never judged


def test_min_consecutive_days_at_the_start() -> None:
    contract = Contract(min_consecutive_days=2)
    # no history: the block at the start reaches the unknown
    assert check(make(who(contract)), work(0, 3, 4)).feasible
    # the day before start was known off: the one-day block is too short
    off_before = make(who(contract), history=history(1, m1=None))
    v = only(check(off_before, work(0, 3, 4)), "min_consecutive_days")
    assert (v.dates, v.amount) == ([day(0)], 1)
    # the day before start was worked: the block has two days
    assert check(make(who(contract), history=history(1, m1=EARLY)), work(0, 3, 4)).feasible
    # a block starting on the earliest known history day reaches the unknown before it
    three = Contract(min_consecutive_days=3)
    assert check(make(who(three), history=history(1, m1=EARLY)), work(0, 3, 4, 5, 6)).feasible
    known = make(who(three), history=history(1, m2=None, m1=EARLY))
    v = only(check(known, work(0, 3, 4, 5, 6)), "min_consecutive_days")
    assert (v.dates, v.amount) == (days(-1, 0), 1)


def test_min_consecutive_days_off() -> None:
    p = make(who(Contract(min_consecutive_days_off=2)))
    v = only(check(p, work(0, 1, 2, 4, 5, 6)), "min_consecutive_days_off")
    assert (v.dates, v.amount) == ([day(3)], 1)
    assert check(p, work(0, 1, 2, 5, 6)).feasible
    assert check(p, work(1, 2, 3, 4, 5)).feasible  # off at the start (unknown) and at the end
    known = make(who(Contract(min_consecutive_days_off=2)), history=history(1, m1=EARLY))
    v = only(check(known, work(1, 2)), "min_consecutive_days_off")
    assert (v.dates, v.amount) == ([day(0)], 1)


def test_a_fixed_day_off_is_a_day_off() -> None:
    contract = Contract(min_consecutive_days_off=2)
    p = make(who(contract, days_off=[day(3)]))
    v = only(check(p, work(0, 1, 2, 4, 5, 6)), "min_consecutive_days_off")
    assert v.dates == [day(3)]
    assert check(make(who(contract, days_off=[day(3), day(4)])), work(0, 1, 2, 5, 6)).feasible


def test_max_weekends_split_across_both_ends() -> None:
    # Sunday 2024-01-07 to Saturday 2024-01-13: two weekends touch the horizon
    sunday, saturday = day(6), day(12)
    p = Problem(
        start=sunday,
        end=saturday,
        shift_types=SHIFTS,
        analysts=who(Contract(max_weekends=1)) + who(aid=2),
        history={1: [HistoryDay(date=day(5), shift_type_id=EARLY)]},
    )
    both = [Assignment(analyst_id=1, date=d, shift_type_id=EARLY) for d in (sunday, saturday)]
    report = check(p, both)
    v = only(report, "max_weekends")
    assert (v.dates, v.amount) == ([sunday, saturday], 1)
    assert report.breakdown[Term.FAIRNESS_WEEKENDS] == TermCost(count=2, penalty=40)
    # the worked history Saturday does not make the first weekend worked
    report = check(p, both[1:])
    assert report.feasible
    assert report.breakdown[Term.FAIRNESS_WEEKENDS] == TermCost(count=1, penalty=20)


def test_screener_skill() -> None:
    v = only(check(make(), work(2, screener=True)), "screener_skill")
    assert (v.analyst_id, v.dates) == (1, [day(2)])
    assert check(make(who(skills=["screener"])), work(2, screener=True)).feasible
    custom = make(who(skills=["screener"]), rules=Rules(screener_skill="triage"))
    assert rules(check(custom, work(2, screener=True))) == ["screener_skill"]


def test_max_consecutive_screener_days() -> None:
    p = make(who(skills=["screener"]))  # at most two in a row by default
    v = only(check(p, work(0, 1, 2, screener=True)), "max_consecutive_screener_days")
    assert (v.dates, v.amount) == (days(0, 1, 2), 1)
    assert check(p, work(0, 1, screener=True) + work(2) + work(3, screener=True)).feasible
    past = {1: [HistoryDay(date=day(-1), shift_type_id=EARLY, is_screener=True)]}
    p = make(who(skills=["screener"]), history=past)
    v = only(check(p, work(0, 1, screener=True)), "max_consecutive_screener_days")
    assert (v.dates, v.amount) == (days(-1, 0, 1), 1)
    assert check(p, work(0, screener=True) + work(1)).feasible


def test_locked() -> None:
    lock = work(3, shift=LATE, screener=True)
    p = make(who(skills=["screener"]), locked=lock)
    v = only(check(p, []), "locked")
    assert (v.analyst_id, v.shift_type_id, v.dates) == (1, LATE, [day(3)])
    assert rules(check(p, work(3, shift=LATE))) == ["locked"]  # without its screener duty
    assert check(p, lock).feasible


def test_hard_min() -> None:
    p = make(
        who() + who(aid=2),
        coverage=[Coverage(date=day(1), shift_type_id=LATE, required=2, hard_min=2)],
    )
    v = only(check(p, work(1, shift=LATE)), "hard_min")
    assert (v.analyst_id, v.shift_type_id, v.dates, v.amount) == (None, LATE, [day(1)], 1)
    assert check(p, work(1, shift=LATE) + work(1, shift=LATE, aid=2)).feasible


# --- objective terms ---------------------------------------------------------------

ZERO = TermCost(count=0, penalty=0)


def test_an_empty_roster() -> None:
    report = check(make(), [])
    assert report.breakdown == dict.fromkeys(Term, ZERO)
    assert (report.objective, report.feasible) == (0, True)
    covered = make(coverage=[Coverage(date=day(0), shift_type_id=EARLY, required=2)])
    report = check(covered, [])
    assert report.breakdown[Term.UNDER_COVER] == TermCost(count=2, penalty=200)
    assert report.objective == 200


def test_under_and_over_cover() -> None:
    p = make(
        who() + who(aid=2),
        coverage=[
            Coverage(date=day(0), shift_type_id=EARLY, required=2, under_weight=7),
            Coverage(date=day(0), shift_type_id=LATE, required=1),
            Coverage(date=day(2), shift_type_id=EARLY, required=0, over_weight=0),
            Coverage(date=day(3), shift_type_id=EARLY, required=1, under_weight=0),
        ],
    )
    roster = work(0) + work(1) + work(1, aid=2) + work(2)
    report = check(p, roster)
    assert report.breakdown[Term.UNDER_COVER] == TermCost(count=3, penalty=7 + 100 + 0)
    assert report.breakdown[Term.OVER_COVER] == TermCost(count=3, penalty=2 * 10 + 0)
    assert report.objective == 127


def test_screener_short() -> None:
    cover = [Coverage(date=day(0), shift_type_id=EARLY, required=2, screeners_required=2)]
    p = make(who(skills=["screener"]) + who(aid=2), coverage=cover)
    roster = work(0, screener=True) + work(0, aid=2)
    assert check(p, roster).breakdown[Term.SCREENER_SHORT] == TermCost(count=1, penalty=100)
    p = p.model_copy(update={"weights": Weights(screener_short=3)})
    assert check(p, []).breakdown[Term.SCREENER_SHORT] == TermCost(count=2, penalty=6)


def test_requests() -> None:
    def ask(
        i: int, kind: RequestKind, shift: int | None, weight: int | None = None
    ) -> ShiftRequest:
        return ShiftRequest(
            analyst_id=1, date=day(i), shift_type_id=shift, kind=kind, weight=weight
        )

    on, off = RequestKind.ON, RequestKind.OFF
    p = make(
        requests=[
            ask(0, on, None),  # met: works day 0
            ask(1, on, LATE, weight=4),  # unmet: works early
            ask(2, on, None, weight=0),  # unmet, weight 0
            ask(3, on, EARLY),  # unmet: off
            ask(1, off, None),  # not granted: works day 1
            ask(0, off, LATE, weight=5),  # granted: works early
            ask(4, off, EARLY, weight=6),  # not granted
        ],
        weights=Weights(off_request=9),
    )
    report = check(p, work(0, 1, 4))
    assert report.breakdown[Term.UNMET_ON_REQUESTS] == TermCost(count=3, penalty=4 + 0 + 10)
    assert report.breakdown[Term.UNGRANTED_OFF_REQUESTS] == TermCost(count=2, penalty=9 + 6)


def test_fairness() -> None:
    analysts = who(skills=["screener"]) + who(aid=2, skills=["screener"]) + who(aid=3)
    p = make(
        analysts,
        length=14,
        fairness_history={
            1: FairnessCounts(weekends=1, nights=2, screener_days=1),
            3: FairnessCounts(nights=1, screener_days=9),
        },
        weights=Weights(fairness_nights=0),
    )
    # analyst 1: weekends 1 + 1 = 2, nights 2 + 0, screener 1 + 0
    # analyst 2: weekends 0 + 2 = 2, nights 0 + 3, screener 0 + 3
    # analyst 3: weekends 0 + 0 = 0, nights 1 + 0, screener 9 (no skill: not counted)
    roster = (
        work(5, 6)
        + work(0, 12, aid=2, shift=NIGHT)
        + work(6, aid=2, shift=NIGHT, screener=True)
        + work(2, 3, aid=2, screener=True)
    )
    report = check(p, roster)
    assert report.breakdown[Term.FAIRNESS_WEEKENDS] == TermCost(count=2, penalty=40)
    assert report.breakdown[Term.FAIRNESS_NIGHTS] == TermCost(count=2, penalty=0)
    assert report.breakdown[Term.FAIRNESS_SCREENER] == TermCost(count=2, penalty=40)
    # fewer than two analysts: no spread
    alone = make(fairness_history={1: FairnessCounts(weekends=5)})
    assert check(alone, work(5)).breakdown[Term.FAIRNESS_WEEKENDS] == ZERO


def test_changes() -> None:
    assert check(make(), work(0)).breakdown[Term.CHANGES] == ZERO  # no hint
    assert check(make(hint=[]), work(0)).breakdown[Term.CHANGES] == TermCost(count=1, penalty=30)
    hint = work(0, 1) + work(2, shift=LATE)
    p = make(hint=hint, weights=Weights(change=7))
    # day 0 same (screener duty does not count), day 1 now off, day 2 early instead of late,
    # day 3 now worked
    roster = work(0, screener=True) + work(2, 3)
    report = check(p, roster)
    assert report.breakdown[Term.CHANGES] == TermCost(count=3, penalty=21)
    assert check(p, hint).breakdown[Term.CHANGES] == ZERO
