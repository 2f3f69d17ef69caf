"""Runs of days in one state (working, off, on one shift type): their least and most
length, hard or weighted (docs/scheduling-rules.md, "Limits, hard or weighted").

Weighted, they keep the border rules of the nurse-rostering competition: a run's days
before the horizon count in its length but are never charged again, and a run the
horizon's first day breaks costs its shortfall."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import cast

from shiftplanner.scheduling.builder import Literal, ModelBuilder, RuleRef
from shiftplanner.scheduling.problem import AnalystSpec, HistoryDay
from shiftplanner.scheduling.rules.contract import max_consecutive
from shiftplanner.scheduling.solution import Term
from shiftplanner.scheduling.text import counted


@dataclass(frozen=True)
class State:
    """One analyst's state on each day: `member(d)` in the horizon, `before(offset)` on a
    history day (None where the history does not say)."""

    member: Callable[[int], Literal]
    before: Callable[[int], bool | None]
    doing: str  # how a message says it: "works", "is off", "works Night"

    def at(self, i: int) -> Literal | bool | None:
        return self.member(i) if i >= 0 else self.before(i)


@dataclass(frozen=True)
class RunLimit:
    least: int | None
    most: int | None
    least_rule: str
    most_rule: str
    term: Term
    weight: int | None  # None: hard
    shift_type_id: int | None = None


def limit_runs(b: ModelBuilder, analyst: AnalystSpec, state: State, limit: RunLimit) -> None:
    if limit.weight == 0:
        return  # weighted at nothing: switched off
    if limit.most is not None:
        _most(b, analyst, state, limit, limit.most)
    if limit.least is not None and limit.least > 1:
        _least(b, analyst, state, limit, limit.least)


def _dates(b: ModelBuilder, first: int, last: int) -> tuple[date, ...]:
    h = b.horizon
    return tuple(h.days[i] for i in range(max(first, 0), min(last, h.size - 1) + 1))


def _most(b: ModelBuilder, analyst: AnalystSpec, state: State, limit: RunLimit, most: int) -> None:
    def ref(first: int) -> RuleRef:
        return RuleRef(
            limit.most_rule,
            f"{analyst.label} {state.doing} more than {counted(most, 'day')} in a row",
            analyst.id,
            limit.shift_type_id,
            _dates(b, first, first + most),
        )

    if limit.weight is None:
        max_consecutive(b, most, state.member, state.before, ref)
        return
    # Each day that ends a run longer than the most costs: days already over it in
    # history are not charged again.
    for last in range(b.horizon.size):
        first = last - most
        history = [state.before(i) for i in range(first, 0)]
        if not all(history):  # unknown or not in the state: the run is shorter
            continue
        over = b.model.new_bool_var(f"{limit.most_rule}_{analyst.id}_{last}")
        window = [state.member(i) for i in range(max(first, 0), last + 1)]
        b.model.add_bool_or([over, *(cast(Literal, lit.Not()) for lit in window)])
        b.cost(limit.term, over, limit.weight)


def _least(
    b: ModelBuilder, analyst: AnalystSpec, state: State, limit: RunLimit, least: int
) -> None:
    """Every run shorter than the least, closed on both sides by known days: the pattern
    other, L × in the state, other. Hard, only runs with a day in the horizon; weighted,
    also one the horizon's first day closes."""
    h = b.horizon
    earliest = 0 if limit.weight is None else -1  # the last day of the run, at least
    for length in range(1, least):
        for first in range(earliest - length + 1, h.size - length):
            pattern: list[tuple[Literal | bool | None, bool]] = [
                (state.at(first - 1), False),
                (state.at(first + length), False),
                *((state.at(i), True) for i in range(first, first + length)),
            ]
            # The clause "not this pattern": some day differs from it.
            clause: list[Literal] = []
            known, broken = True, False
            for value, wanted in pattern:
                if value is None:
                    known = False
                elif isinstance(value, bool):
                    broken |= value != wanted
                else:
                    clause.append(cast(Literal, value.Not()) if wanted else value)
            if not known or broken:
                continue
            days = _dates(b, first, first + length - 1)
            if limit.weight is None:
                b.clause(
                    clause,
                    RuleRef(
                        limit.least_rule,
                        f"{analyst.label} {state.doing} only {counted(length, 'day')} in a row "
                        f"(at least {least})",
                        analyst.id,
                        limit.shift_type_id,
                        days,
                    ),
                )
                continue
            short = b.model.new_bool_var(f"{limit.least_rule}_{analyst.id}_{first}_{length}")
            b.model.add_bool_or([short, *clause])
            b.cost(limit.term, (least - length) * short, limit.weight)


def _history_state(
    b: ModelBuilder, analyst: AnalystSpec, flag: Callable[[HistoryDay, set[int]], bool]
) -> Callable[[int], bool | None]:
    """A history day's state: `flag(day, the ids of every shift type worked that day)`."""
    history = b.horizon.history(analyst)

    def before(i: int) -> bool | None:
        day = history.get(i)
        return None if day is None else flag(day, b.horizon.history_shifts(analyst, i))

    return before


def working(b: ModelBuilder, a: int) -> State:
    analyst = b.horizon.analysts[a]
    return State(
        member=lambda i: b.work[a][i],
        before=_history_state(b, analyst, lambda day, _: day.shift_type_id is not None),
        doing="works",
    )


def off(b: ModelBuilder, a: int) -> State:
    analyst = b.horizon.analysts[a]
    return State(
        member=lambda i: cast(Literal, b.work[a][i].Not()),
        before=_history_state(b, analyst, lambda day, _: day.shift_type_id is None),
        doing="is off",
    )


def on_shift_type(b: ModelBuilder, a: int, s: int) -> State:
    analyst, shift = b.horizon.analysts[a], b.horizon.shifts[s]
    return State(
        member=lambda i: b.x[a][i][s],
        before=_history_state(b, analyst, lambda _, worked: shift.id in worked),
        doing=f"works {shift.label}",
    )


def consecutive_days(b: ModelBuilder) -> None:
    """Working runs and runs of days off, each within the contract's least and most."""
    weights = b.horizon.problem.weights
    for a, analyst in enumerate(b.horizon.analysts):
        contract = analyst.contract
        days = RunLimit(
            contract.min_consecutive_days,
            contract.max_consecutive_days,
            "min_consecutive_days",
            "max_consecutive_days",
            Term.CONSECUTIVE_DAYS,
            weights.consecutive_days,
        )
        days_off = RunLimit(
            contract.min_consecutive_days_off,
            contract.max_consecutive_days_off,
            "min_consecutive_days_off",
            "max_consecutive_days_off",
            Term.CONSECUTIVE_DAYS_OFF,
            weights.consecutive_days_off,
        )
        limit_runs(b, analyst, working(b, a), days)
        limit_runs(b, analyst, off(b, a), days_off)


def consecutive_shift_types(b: ModelBuilder) -> None:
    """Runs of each shift type within its own least and most (at most three nights ...)."""
    h = b.horizon
    for s, shift in enumerate(h.shifts):
        if shift.min_consecutive is None and shift.max_consecutive is None:
            continue
        limit = RunLimit(
            shift.min_consecutive,
            shift.max_consecutive,
            "min_consecutive_shift_type",
            "max_consecutive_shift_type",
            Term.CONSECUTIVE_SHIFT_TYPE,
            h.problem.weights.consecutive_shift_type,
            shift.id,
        )
        for a, analyst in enumerate(h.analysts):
            limit_runs(b, analyst, on_shift_type(b, a, s), limit)
